import { useId } from "react";
import { PRESETS, type Preset, type Range } from "../lib/range";

/** Preset buttons (a radio group) and, for a custom range, two date fields. */
export function RangePicker(props: {
  range: Range;
  onPreset: (p: Preset) => void;
  onCustom: (from: string, to: string) => void;
  maxDay?: string;
}) {
  const id = useId();
  return (
    <div className="range-picker">
      <fieldset className="presets">
        <legend>Time range</legend>
        {PRESETS.map((p) => (
          <label key={p.value} className={props.range.preset === p.value ? "chip selected" : "chip"}>
            <input
              type="radio"
              name={`${id}-preset`}
              value={p.value}
              checked={props.range.preset === p.value}
              onChange={() => props.onPreset(p.value)}
            />
            {p.label}
          </label>
        ))}
      </fieldset>
      {props.range.preset === "custom" && (
        <div className="custom-range">
          <label>
            From
            <input
              type="date"
              value={props.range.from}
              max={props.maxDay}
              onChange={(e) => e.target.value && props.onCustom(e.target.value, props.range.to)}
            />
          </label>
          <label>
            To
            <input
              type="date"
              value={props.range.to}
              max={props.maxDay}
              onChange={(e) => e.target.value && props.onCustom(props.range.from, e.target.value)}
            />
          </label>
        </div>
      )}
      {props.range.clampedFrom && (
        <p className="hint">Your plan keeps history from {props.range.from}: the range starts there.</p>
      )}
    </div>
  );
}
