"""``python -m botox_bot`` runs the same CLI as the ``botox-bot`` console script."""

from botox_bot.cli import main

raise SystemExit(main())
