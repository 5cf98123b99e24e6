"""``python -m local.openai_sim``: serve a demo organization until Ctrl-C."""

from local.openai_sim.server import main

raise SystemExit(main())
