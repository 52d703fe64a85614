"""``python -m app serve ...`` is the same as ``convscope serve ...``."""

from app.cli import main

raise SystemExit(main())
