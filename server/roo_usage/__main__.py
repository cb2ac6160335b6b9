from roo_usage.cli import main

raise SystemExit(main())
