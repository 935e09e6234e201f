"""Writing the demo history to a Parquet or CSV file, as `leadscore demo` does."""

from __future__ import annotations

from pathlib import Path

from features.demo.history import generate_demo


def write_demo(path: Path, rows: int = 20_000, seed: int = 7) -> Path:
    """Generate the demo history and write it to `path` as Parquet or CSV (by suffix)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise ValueError(f"{path}: write .parquet or .csv, not {suffix or 'no suffix'}")
    frame = generate_demo(rows=rows, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path
