"""LightGBM predictions through its C API, without the Python wrapper's set-up on every call.

`Booster.predict` builds a predictor object, checks and converts its input and parses its parameters on
each call. An explained score makes two calls, and on the demo champion (166 trees) the set-up was a fifth
to a third of each: one lead's TreeSHAP contributions took 249 microseconds through the wrapper and 208
through the C function, the margins of its 9 suggestion variants 85 and 60 (medians, measured alternately in
one process). This calls the C function `Booster.predict` itself ends in; a test holds the two to the same
numbers.

The C function is reached through names LightGBM keeps private (`lightgbm.basic._LIB`, `_safe_call` and
`Booster._handle`). pyproject.toml pins the major version they were read in; should a release still
drop or rename them, predictions go through `Booster.predict` instead: slower, never wrong.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import lightgbm.basic
import numpy as np

RAW_SCORE, CONTRIBUTIONS = 1, 3  # C_API_PREDICT_RAW_SCORE, C_API_PREDICT_CONTRIB
FLOAT64, ROW_MAJOR = 1, 1  # C_API_DTYPE_FLOAT64, row-major matrix
FEW_ROWS = 64  # below this many rows one thread: OpenMP's start-up would cost more than the trees


@dataclass(frozen=True)
class CApi:
    """LightGBM's private handles to its C library: the loaded library and its error check."""

    lib: Any  # a ctypes.CDLL whose functions ctypes resolves by name, so there is nothing to type
    safe_call: Callable[[int], None]


def find_c_api() -> CApi | None:
    """The private names this module calls, or None when the installed LightGBM lacks them."""
    lib = getattr(lightgbm.basic, "_LIB", None)
    safe_call = getattr(lightgbm.basic, "_safe_call", None)
    if lib is None or not callable(safe_call) or not hasattr(lib, "LGBM_BoosterPredictForMat"):
        return None
    return CApi(lib, safe_call)


# Looked up once: only attribute reads, and every prediction needs the answer.
C_API = find_c_api()


def raw_margins(booster: lgb.Booster, x: np.ndarray) -> np.ndarray:
    """The trees' log-odds for each row of an encoded matrix."""
    return _predict(booster, x, RAW_SCORE, 1)[:, 0]


def tree_contributions(booster: lgb.Booster, x: np.ndarray) -> np.ndarray:
    """TreeSHAP contributions per feature for each row, the last column the expected value (the bias)."""
    return _predict(booster, x, CONTRIBUTIONS, x.shape[1] + 1)


def _predict(booster: lgb.Booster, x: np.ndarray, kind: int, width: int) -> np.ndarray:
    """Predictions of one kind as a (rows, width) matrix, through the C API when it is there."""
    matrix = np.ascontiguousarray(x, dtype=np.float64)
    rows, columns = matrix.shape
    if columns != booster.num_feature():
        raise ValueError(f"the model reads {booster.num_feature()} features, the rows have {columns}")
    if rows == 0:
        return np.empty((rows, width))
    handle = getattr(booster, "_handle", None)
    if C_API is None or handle is None:
        return _wrapper_predict(booster, matrix, kind, width)
    return _c_predict(C_API, handle, booster, matrix, kind, width)


def _c_predict(
    api: CApi, handle: ctypes.c_void_p, booster: lgb.Booster, matrix: np.ndarray, kind: int, width: int
) -> np.ndarray:
    """One call of LGBM_BoosterPredictForMat, the function `Booster.predict` ends in."""
    rows, columns = matrix.shape
    out = np.empty((rows, width))
    written = ctypes.c_int64()
    api.safe_call(api.lib.LGBM_BoosterPredictForMat(
        handle, matrix.ctypes.data_as(ctypes.c_void_p), ctypes.c_int(FLOAT64), ctypes.c_int32(rows),
        ctypes.c_int32(columns), ctypes.c_int(ROW_MAJOR), ctypes.c_int(kind), ctypes.c_int(0),
        ctypes.c_int(_iterations(booster)), ctypes.c_char_p(b"num_threads=1" if rows < FEW_ROWS else b""),
        ctypes.byref(written), out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))))
    if written.value != out.size:
        raise RuntimeError(f"LightGBM wrote {written.value} values, {out.size} were expected")
    return out


def _wrapper_predict(booster: lgb.Booster, matrix: np.ndarray, kind: int, width: int) -> np.ndarray:
    """The same predictions through the public `Booster.predict`."""
    threads: dict[str, Any] = {"num_threads": 1} if len(matrix) < FEW_ROWS else {}
    values = booster.predict(matrix, raw_score=kind == RAW_SCORE, pred_contrib=kind == CONTRIBUTIONS,
                             num_iteration=_iterations(booster), **threads)
    return np.asarray(values, dtype=np.float64).reshape(len(matrix), width)


def _iterations(booster: lgb.Booster) -> int:
    """How many trees count: the best iteration after early stopping, else every tree (-1)."""
    return booster.best_iteration if booster.best_iteration > 0 else -1
