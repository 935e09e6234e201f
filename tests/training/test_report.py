"""The training report's search section: the best candidates, the choice, and what the user must know of it."""

from __future__ import annotations

from rich.console import Console

from training.report import print_selection


def test_the_search_section_says_what_was_left_out_and_warns() -> None:
    row = {"candidate": "catboost", "calibration": "sigmoid", "mean_log_loss": 0.2973, "mean_roc_auc": 0.4771,
           "search_seconds": 6.5}
    selection = {"candidates": [row, {**row, "candidate": "trees", "mean_log_loss": 0.3044}],
                 "chosen": {"name": "catboost"}, "calibration": "sigmoid", "reason": "lowest mean log loss",
                 "profile_overrides": {}, "cut_by_budget": ["hybrid"], "left_out": ["catboost: past its row limit"],
                 "warnings": ["no candidate ranked newer leads better than chance inside the window"]}
    console = Console(record=True, width=200)
    print_selection(selection, console)
    text = console.export_text()
    assert text.index("catboost ") < text.index("trees ")  # lowest log loss first
    assert "chosen: catboost with sigmoid calibration: lowest mean log loss" in text
    assert "cut by the time budget: hybrid" in text and "left out: catboost: past its row limit" in text
    assert "warning: no candidate ranked newer leads better than chance inside the window" in text
