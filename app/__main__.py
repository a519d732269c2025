"""Entry point: `python3 -m app` and the shiv artifact's console script."""

import sys


def main():
    from app.cli import run
    return run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
