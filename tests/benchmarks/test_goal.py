"""The quality goal's verdict: means over repeats against the best peer on each figure, or no signal stated."""

from __future__ import annotations

from benchmarks.goal import Summary, summarise, verdict


def model(name: str, auc: float, loss: float, ece: float = 0.03, signal: bool = True) -> Summary:
    return Summary(name, auc, loss, ece, (auc, auc), signal)


def test_a_summary_takes_the_means_the_range_and_signal_by_majority() -> None:
    s = summarise("m", [0.70, 0.74, 0.72], [0.60, 0.62, 0.64], [0.02, 0.04, 0.06], [True, False, True])
    assert (round(s.roc_auc, 6), round(s.log_loss, 6), round(s.ece, 6)) == (0.72, 0.62, 0.04)
    assert s.auc_range == (0.70, 0.74) and s.signal
    assert not summarise("m", [0.5, 0.5], [0.7, 0.7], [0.0, 0.0], [True, False]).signal


def test_the_goal_needs_the_best_peers_auc_and_its_log_loss_within_the_slack() -> None:
    peers = [model("logistic", 0.748, 0.5732), model("catboost", 0.752, 0.6387)]
    assert verdict(model("ours", 0.752, 0.5782), peers, 0.9) == (
        True, "met: ROC AUC 0.752 against 0.752 (catboost); log loss 0.5782 against 0.5732 (logistic)")
    met, why = verdict(model("ours", 0.722, 0.632, ece=0.15), peers, 0.9)
    assert not met
    assert why == ("not met: ROC AUC 0.722 < 0.752 (catboost); log loss 0.6320 > 0.5732 + 0.005 (logistic); "
                   "ECE 0.150 > 0.05")
    assert verdict(model("ours", 0.760, 0.5790), peers, 0.9)[0] is False  # 0.0058 above the best log loss


def test_where_no_model_ranks_the_goal_is_to_say_so_and_forecast_no_worse_than_the_prior() -> None:
    peers = [model("logistic", 0.485, 0.6767, signal=False), model("flaml", 0.518, 0.6937, signal=False)]
    assert verdict(model("ours", 0.487, 0.6748, signal=False), peers, 0.6762)[0]
    met, why = verdict(model("ours", 0.487, 0.6770, signal=False), peers, 0.6762)
    assert (met, why) == (False, "not met: log loss 0.6770 is worse than the prior's 0.6762")
    ranked = [*peers, model("catboost", 0.61, 0.64)]
    assert verdict(model("ours", 0.487, 0.6748, signal=False), ranked, 0.6762) == (
        False, "not met: says no signal, yet catboost ranks (ROC AUC 0.610)")
