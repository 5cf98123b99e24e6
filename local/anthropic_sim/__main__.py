"""``python -m local.anthropic_sim``: serve a demo organization until Ctrl-C."""

from local.anthropic_sim.server import main

raise SystemExit(main())
