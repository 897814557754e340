"""Command line: ``python -m sample_data --out data/raw``."""

import argparse
from pathlib import Path

import sample_data
from sample_data.output import generate


def main(argv: list[str] | None = None) -> None:
    """Write the sample under ``--out`` and print how much was written."""
    parser = argparse.ArgumentParser(prog="python -m sample_data", description=sample_data.__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data/raw"), help="root of the raw landing folders")
    args = parser.parse_args(argv)
    paths = generate(args.out)
    total = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} files, {total / 1e6:.2f} MB, under {args.out}")


if __name__ == "__main__":
    main()
