"""LightGBM predictions through its C API, without the Python wrapper's set-up on every call.

`Booster.predict` builds a predictor object, checks and converts its input and parses its parameters on
each call. An explained score makes two calls, and on the demo champion (166 trees) the set-up was a fifth
to a third of each: one lead's TreeSHAP contributions took 249 microseconds through the wrapper and 208
through the C function, the margins of its 9 suggestion variants 85 and 60 (medians, measured alternately in
one process). This calls the C function `Booster.predict` itself ends in; a test holds the two to the same
numbers.
"""

from __future__ import annotations

import ctypes

import lightgbm as lgb
import numpy as np
from lightgbm.basic import _LIB, _safe_call

RAW_SCORE, CONTRIBUTIONS = 1, 3  # C_API_PREDICT_RAW_SCORE, C_API_PREDICT_CONTRIB
FLOAT64, ROW_MAJOR = 1, 1  # C_API_DTYPE_FLOAT64, row-major matrix
FEW_ROWS = 64  # below this many rows one thread: OpenMP's start-up would cost more than the trees


def raw_margins(booster: lgb.Booster, x: np.ndarray) -> np.ndarray:
    """The trees' log-odds for each row of an encoded matrix."""
    return _predict(booster, x, RAW_SCORE, 1)[:, 0]


def tree_contributions(booster: lgb.Booster, x: np.ndarray) -> np.ndarray:
    """TreeSHAP contributions per feature for each row, the last column the expected value (the bias)."""
    return _predict(booster, x, CONTRIBUTIONS, x.shape[1] + 1)


def _predict(booster: lgb.Booster, x: np.ndarray, kind: int, width: int) -> np.ndarray:
    matrix = np.ascontiguousarray(x, dtype=np.float64)
    rows, columns = matrix.shape
    if columns != booster.num_feature():
        raise ValueError(f"the model reads {booster.num_feature()} features, the rows have {columns}")
    out = np.empty((rows, width))
    if rows == 0:
        return out
    written = ctypes.c_int64()
    iterations = booster.best_iteration if booster.best_iteration > 0 else -1  # -1: every tree
    _safe_call(_LIB.LGBM_BoosterPredictForMat(
        booster._handle, matrix.ctypes.data_as(ctypes.c_void_p), ctypes.c_int(FLOAT64), ctypes.c_int32(rows),
        ctypes.c_int32(columns), ctypes.c_int(ROW_MAJOR), ctypes.c_int(kind), ctypes.c_int(0),
        ctypes.c_int(iterations), ctypes.c_char_p(b"num_threads=1" if rows < FEW_ROWS else b""),
        ctypes.byref(written), out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))))
    if written.value != out.size:
        raise RuntimeError(f"LightGBM wrote {written.value} values, {out.size} were expected")
    return out
