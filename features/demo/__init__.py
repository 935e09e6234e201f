"""Built-in demo history: synthetic B2B software leads from a known, documented generating process.

`generate_demo` draws one lead per row over `months` months ending at `end`; `write_demo` stores
it as Parquet or CSV. Everything is vectorised with NumPy and fully determined by the seed.
The columns are exactly those `profiles/demo.yaml` declares.

The generating process, documented where it is coded:
- `vocabulary`: the categorical fields, their shares and win-logit coefficients;
- `population`: creation times, who the lead is, the hidden intent and the signals it drives;
- `outcomes`: the win model, still-open leads, close times and deal values;
- `record`: what the CRM shows: blanks, contact attributes, ids and column dtypes;
- `history` assembles the frame and `writer` stores it.

Shares: the ebook-giveaway campaign brings about a fifth of all leads (won rate ~2.5 %); IN, NG and
PK together about 13 % (won rate under 1 %); paid_search's share grows from 13 % to about 21 %.
The overall won rate among closed leads is about 12 %.
"""

from features.demo.history import generate_demo
from features.demo.writer import write_demo

__all__ = ["generate_demo", "write_demo"]
