"""``python -m beautyrl_lib``: the command line (see ``beautyrl_lib.cli``)."""

from beautyrl_lib.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
