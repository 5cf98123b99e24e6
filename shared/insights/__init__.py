"""What-if and savings advice over priced usage: what the same usage would cost on another model, and where
an organization could spend less, in dollars, each figure with the method that produced it.

Everything here works from the aggregate usage TokenMeter already keeps (no prompts, no proxy), read through
the ledger read model (``shared.ledger``) and priced through the catalogue (``shared.pricing``):

- `whatif`: re-prices usage on a target model, day by day at the target's price that day, with an explicit
  mapping of usage classes and tiers between providers and a tokenizer band from ``tokenizers.json``;
- `suggestions`: ranks the cheapest credible alternatives for the top models, from ``equivalents.json``;
- `usage` and `rules`: the advice rules over one period of an organization's usage (prompt caching, cache
  duration, batch candidates, long context, right-sizing, priority tiers, unpriced models, idle and
  unusual keys), each with its evidence, monthly savings, confidence and method.
"""
