# Lead prioritisation service. Every target installs into .venv first when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DATA := data/demo/leads.parquet
PROFILE ?= profiles/demo.yaml
AGREEMENT ?= agreements/demo.yaml
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install train test check-translations catalogs serve demo-data bench-train bench-serve bench-rescore bench-batch bench-load benchmark-quality benchmark-drafts report clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo-data: $(DEMO_DATA)

$(DEMO_DATA): | $(STAMP)
	$(BIN)/leadscore demo --out $(DEMO_DATA)

train: $(STAMP) $(DEMO_DATA)
	$(BIN)/leadscore train --profile $(PROFILE) --agreement $(AGREEMENT)

test: $(STAMP) check-translations
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# Every message and every per-language profile or agreement text in en, da, nl and pl (CI fails on a gap).
check-translations: $(STAMP)
	$(BIN)/leadscore check-translations

# Extract the messages sellers and marketers read into the template, then merge it into each language's catalog.
catalogs: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k n_:1,2 --no-location --sort-output --project leadscore \
		-o serving/language/locale/messages.pot .
	$(BIN)/pybabel update -i serving/language/locale/messages.pot -d serving/language/locale \
		--no-fuzzy-matching --ignore-obsolete

serve: $(STAMP)
	LEADSCORE_PROFILE=$(PROFILE) LEADSCORE_AGREEMENT=$(AGREEMENT) \
		$(BIN)/uvicorn serving.app:create_app --factory --host $(HOST) --port $(PORT) --no-access-log

bench-train: $(STAMP)
	$(BIN)/python -m benchmarks.train

bench-serve: $(STAMP)
	$(BIN)/python -m benchmarks.serve

# 20,000 demo leads in a lead store rescored onto the champion, on SQLite and the local PostgreSQL.
bench-rescore: $(STAMP)
	$(BIN)/python -m benchmarks.rescore --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
# leads/s in process and on Spark local[2] (Java 17+), with and without reasons, on 1,000,000 demo leads.
bench-batch: $(STAMP)
	$(BIN)/python -m benchmarks.batch

# 20,000 scoring calls at concurrency 16 against uvicorn while @champion moves three times (CI runs 2,000 at 8).
bench-load: $(STAMP)
	$(BIN)/python -m benchmarks.load

# FLAML AutoML is one of the peers: the `bench` extra is installed for it first.
BENCH_STAMP := $(VENV)/.bench-stamp
$(BENCH_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

benchmark-quality: $(STAMP) $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.quality

# Each real history drafted from its raw files, then trained unedited against its hand-written profile.
benchmark-drafts: $(STAMP)
	$(BIN)/python -m benchmarks.drafts

# Marketing report from the demo history and the @champion (run `make train` first), and the weekly
# closed-loop report from the lead store, into data/reports/.
report: $(STAMP) $(DEMO_DATA)
	$(BIN)/leadscore report --profile $(PROFILE) --agreement $(AGREEMENT) --out data/reports
	$(BIN)/leadscore weekly --profile $(PROFILE) --agreement $(AGREEMENT) --out data/reports

clean:
	rm -rf data/demo data/reports mlflow.db mlartifacts
