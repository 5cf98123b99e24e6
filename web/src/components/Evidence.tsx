import { evidenceEntries, safeHref, type EvidenceEntry, type EvidenceValue } from "../lib/advice";
import { BandText } from "./BandText";
import { Money } from "./Money";

/** The figures a recommendation rests on, as a small definition list (nested objects as nested lists). */
export function Evidence(props: { evidence: Record<string, unknown>; testId?: string }) {
  return <EvidenceList entries={evidenceEntries(props.evidence)} testId={props.testId} />;
}

function EvidenceList(props: { entries: EvidenceEntry[]; testId?: string }) {
  return (
    <dl className="evidence" data-testid={props.testId}>
      {props.entries.map((e) => (
        <div key={e.key} data-key={e.key}>
          <dt>{e.label}</dt>
          <dd>
            <EvidenceValueView value={e.value} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

function EvidenceValueView(props: { value: EvidenceValue }) {
  const v = props.value;
  switch (v.kind) {
    case "money":
      return <Money value={v.amount} />;
    case "band":
      return <BandText band={v.band} />;
    case "text":
      return <>{v.text}</>;
    case "list":
      return (
        <ul className="compact-list">
          {v.items.map((item, i) => (
            <li key={i}>{item}</li>
          ))}
        </ul>
      );
    case "links":
      return <SourceLinks sources={v.urls.map((url) => ({ url }))} />;
    case "group":
      return <EvidenceList entries={v.entries} />;
  }
}

/** Sources as links (http and https only; anything else stays text), each with the day it was seen. */
export function SourceLinks(props: { sources: { url: string; seen?: string; what?: string }[] }) {
  return (
    <ul className="compact-list sources">
      {props.sources.map((s) => {
        const href = safeHref(s.url);
        return (
          <li key={s.url}>
            {href ? (
              <a href={href} target="_blank" rel="noopener noreferrer">
                {s.url}
              </a>
            ) : (
              <span>{s.url}</span>
            )}
            {s.seen && <span className="muted"> (seen {s.seen})</span>}
            {s.what && <span className="hint">: {s.what}</span>}
          </li>
        );
      })}
    </ul>
  );
}
