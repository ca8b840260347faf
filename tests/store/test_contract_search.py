"""Store contract: ``search_runs`` (filters, ordering, paging, views) through the public API.

The corpus: twelve runs r0..r11 in one experiment, started at 1000*i (so the default order,
newest first, is r11..r0):

====  =======  =======  =======  ==========  =========  =========
run   acc      model    lr       team        status     run_name
====  =======  =======  =======  ==========  =========  =========
r0    0.0      cnn      0.1      Vision-0    Completed  run-00
r1    1.0      rnn      0.1      nlp-lab     Completed  run-01
r2    2.0      mlp      0.1      Vision-2    Completed  run-02
r3    3.0      cnn      0.1      nlp-lab     Completed  special
r4    4.0      rnn      0.1      Vision-4    Failed     run-04
r5    5.0      mlp      0.1      nlp-lab     Canceled   run-05
r6    6.0      cnn      0.01     Vision-6    Running    run-06
r7    7.0      rnn      0.01     nlp-lab     Running    run-07
r8    8.0      mlp      0.01     Vision-8    Running    run-08
r9    9.0      cnn      0.01     nlp-lab     Running    run-09
r10   (none)   rnn      0.01     (none)      Running    run-10
r11   NaN      mlp      (none)   (none)      Running    run-11
====  =======  =======  =======  ==========  =========  =========
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from carnet.entities import Metric, Param, RunStatus, RunTag, ViewType
from carnet.exceptions import InvalidArgument, InvalidFilter, NotFound
from carnet.store import LogBatch, NewRun, TrackingStore

STATUSES = {0: RunStatus.COMPLETED, 1: RunStatus.COMPLETED, 2: RunStatus.COMPLETED, 3: RunStatus.COMPLETED,
            4: RunStatus.FAILED, 5: RunStatus.CANCELED}  # fmt: skip
MODELS = ("cnn", "rnn", "mlp")


@dataclass
class Corpus:
    store: TrackingStore
    experiment_id: str
    run_ids: list[str]

    def ids(self, *indexes: int) -> list[str]:
        return [self.run_ids[i] for i in indexes]

    def search(self, filter_string: str | None = None, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
        page = self.store.search_runs([self.experiment_id], filter_string, **kwargs)
        assert page.next_page_token is None
        return [r.info.run_id for r in page.runs]

    def labels(self, run_ids: list[str]) -> list[int]:
        """Run ids back to corpus indexes, for readable failures."""
        return [self.run_ids.index(r) if r in self.run_ids else -1 for r in run_ids]

    def check_filters(self, cases: list[tuple[str, list[int]]]) -> None:
        """Every (filter, expected run indexes in order) case; report all mismatches at once."""
        wrong = [(f, self.labels(self.search(f)), want) for f, want in cases]
        assert [w for w in wrong if w[1] != w[2]] == []

    def check_orders(self, cases: list[tuple[list[str], list[int]]]) -> None:
        wrong = [(o, self.labels(self.search(order_by=o)), want) for o, want in cases]
        assert [w for w in wrong if w[1] != w[2]] == []


def start_time(i: int) -> int:
    return 1_000_000 + 1000 * i


@pytest.fixture
def corpus(store: TrackingStore) -> Corpus:
    experiment_id = store.create_experiment("search")
    run_ids = []
    for i in range(12):
        name = "special" if i == 3 else f"run-{i:02d}"
        run_id = store.create_run(NewRun(experiment_id, run_name=name, start_time=start_time(i))).info.run_id
        metrics = []
        if i < 10:
            metrics.append(Metric("acc", float(i), 10, 0))
        elif i == 11:
            metrics.append(Metric("acc", math.nan, 10, 0))
        params = [Param("model", MODELS[i % 3])]
        if i < 11:
            params.append(Param("lr", "0.1" if i < 6 else "0.01"))
        tags = []
        if i < 10:
            tags.append(RunTag("team", f"Vision-{i}" if i % 2 == 0 else "nlp-lab"))
        store.log_batch(run_id, LogBatch(metrics=metrics, params=params, tags=tags))
        if i in STATUSES:
            store.update_run(run_id, status=STATUSES[i], end_time=start_time(i) + 500)
        run_ids.append(run_id)
    return Corpus(store, experiment_id, run_ids)


NEWEST_FIRST = list(range(11, -1, -1))


def test_no_filter_returns_every_run_newest_first(corpus: Corpus) -> None:
    assert corpus.search() == corpus.ids(*NEWEST_FIRST)
    assert corpus.search("") == corpus.ids(*NEWEST_FIRST)
    assert corpus.search("   ") == corpus.ids(*NEWEST_FIRST)


def test_results_carry_run_data(corpus: Corpus) -> None:
    [run] = corpus.store.search_runs([corpus.experiment_id], "attributes.run_name = 'special'").runs
    assert run.info.run_id == corpus.run_ids[3]
    assert run.info.status is RunStatus.COMPLETED
    assert run.info.end_time == start_time(3) + 500
    assert run.data.metrics == {"acc": 3.0}
    assert run.data.params == {"model": "cnn", "lr": "0.1"}
    assert run.data.tags == {"team": "nlp-lab"}


METRIC_COMPARISONS_CASES: list[tuple[str, list[int]]] = [
    ("metrics.acc > 6.5", [9, 8, 7]),
    ("metrics.acc >= 7", [9, 8, 7]),
    ("metrics.acc <= 2", [2, 1, 0]),
    ("metrics.acc < 2", [1, 0]),
    ("metrics.acc = 4", [4]),
    ("metrics.acc = 4.0", [4]),
    # r10 has no acc and r11's latest acc is NaN: no comparison selects either.
    ("metrics.acc != 4", [9, 8, 7, 6, 5, 3, 2, 1, 0]),
    ("metrics.acc > -1e9", [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]),
    ("metrics.acc > 100", []),
    ("metrics.missing > 0", []),
    ("metric.acc > 8", [9]),
]


def test_metric_comparisons(corpus: Corpus) -> None:
    corpus.check_filters(METRIC_COMPARISONS_CASES)


PARAM_EQUALITY_CASES: list[tuple[str, list[int]]] = [
    ("params.model = 'cnn'", [9, 6, 3, 0]),
    ('params.model = "mlp"', [11, 8, 5, 2]),
    ("params.lr = '0.01'", [10, 9, 8, 7, 6]),
    ("params.lr = '0.010'", []),
    ("params.model != 'cnn'", [11, 10, 8, 7, 5, 4, 2, 1]),
    ("params.lr != '0.1'", [10, 9, 8, 7, 6]),  # r11 has no lr: it is not "different"
    ("params.model = 'CNN'", []),
]


def test_param_equality(corpus: Corpus) -> None:
    corpus.check_filters(PARAM_EQUALITY_CASES)


TAG_LIKE_AND_ILIKE_CASES: list[tuple[str, list[int]]] = [
    ("tags.team LIKE 'nlp%'", [9, 7, 5, 3, 1]),
    ("tags.team LIKE 'Vision-_'", [8, 6, 4, 2, 0]),
    ("tags.team LIKE 'vision%'", []),  # LIKE is case-sensitive on every backend
    ("tags.team ILIKE 'vision%'", [8, 6, 4, 2, 0]),
    ("tags.team ILIKE '%LAB'", [9, 7, 5, 3, 1]),
    ("tags.team NOT LIKE 'Vision%'", [9, 7, 5, 3, 1]),
    ("tags.team NOT ILIKE '%-lab'", [8, 6, 4, 2, 0]),
    ("tags.team LIKE '%'", [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]),
]


def test_tag_like_and_ilike(corpus: Corpus) -> None:
    corpus.check_filters(TAG_LIKE_AND_ILIKE_CASES)


IN_AND_IS_NULL_CASES: list[tuple[str, list[int]]] = [
    ("params.model IN ('rnn', 'mlp')", [11, 10, 8, 7, 5, 4, 2, 1]),
    ("params.model NOT IN ('rnn', 'mlp')", [9, 6, 3, 0]),
    ("tags.team IN ('Vision-2', 'Vision-8', 'nope')", [8, 2]),
    ("params.lr IS NULL", [11]),
    ("tags.team IS NULL", [11, 10]),
    ("metrics.acc IS NULL", [10]),  # r11 has an acc (NaN): it is not null
    ("tags.team IS NOT NULL", [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]),
    ("metrics.acc IS NOT NULL", [11, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]),
    ("params.nothing IS NULL", NEWEST_FIRST),
]


def test_in_and_is_null(corpus: Corpus) -> None:
    corpus.check_filters(IN_AND_IS_NULL_CASES)


BOOLEAN_LOGIC_CASES: list[tuple[str, list[int]]] = [
    ("metrics.acc > 7 OR params.model = 'mlp'", [11, 9, 8, 5, 2]),
    ("metrics.acc > 7 AND params.model = 'mlp'", [8]),
    ("NOT params.model = 'cnn'", [11, 10, 8, 7, 5, 4, 2, 1]),
    ("NOT metrics.acc > 4", [11, 10, 4, 3, 2, 1, 0]),  # the exact complement of acc > 4
    ("NOT tags.team IS NULL", [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]),
    ("(params.model = 'cnn' OR params.model = 'rnn') AND NOT tags.team ILIKE 'vision%'", [10, 9, 7, 3, 1]),
    ("params.model = 'cnn' OR params.model = 'rnn' AND tags.team LIKE 'nlp%'", [9, 7, 6, 3, 1, 0]),
    ("(params.model = 'cnn' OR params.model = 'rnn') AND tags.team LIKE 'nlp%'", [9, 7, 3, 1]),
    ("NOT (metrics.acc < 3 OR metrics.acc > 8)", [11, 10, 8, 7, 6, 5, 4, 3]),
    ("params.lr = '0.1' and not (tags.team like 'Vision%' or metrics.acc = 1)", [5, 3]),
]


def test_boolean_logic(corpus: Corpus) -> None:
    corpus.check_filters(BOOLEAN_LOGIC_CASES)


ATTRIBUTE_FILTERS_CASES: list[tuple[str, list[int]]] = [
    ("attributes.status = 'FINISHED'", [3, 2, 1, 0]),
    ("attributes.status = 'Completed'", [3, 2, 1, 0]),
    ("attributes.status = 'RUNNING'", [11, 10, 9, 8, 7, 6]),
    ("attributes.status IN ('FAILED', 'KILLED')", [5, 4]),
    ("attributes.status != 'RUNNING'", [5, 4, 3, 2, 1, 0]),
    ("attributes.run_name = 'special'", [3]),
    ("attributes.run_name LIKE 'run-1%'", [11, 10]),
    ("tags.mlflow.runName = 'run-05'", [5]),
    (f"attributes.start_time >= {start_time(9)}", [11, 10, 9]),
    (f"attributes.start_time < {start_time(2)}", [1, 0]),
    ("attributes.end_time IS NULL", [11, 10, 9, 8, 7, 6]),
    (f"attributes.end_time > {start_time(3)}", [5, 4, 3]),
    ("NOT attributes.end_time > 0", [11, 10, 9, 8, 7, 6]),
    ("attributes.status = 'FINISHED' AND metrics.acc >= 2", [3, 2]),
]


def test_attribute_filters(corpus: Corpus) -> None:
    corpus.check_filters(ATTRIBUTE_FILTERS_CASES)


def test_run_id_filter(corpus: Corpus) -> None:
    wanted = corpus.ids(7, 2)
    assert corpus.search(f"attributes.run_id IN ('{wanted[0]}', '{wanted[1]}')") == wanted
    assert corpus.search(f"attributes.run_id = '{wanted[1]}'") == [wanted[1]]


ORDER_BY_CASES: list[tuple[list[str], list[int]]] = [
    # Runs without a value (r10) and with a NaN latest value (r11) come last either way,
    # among themselves newest first.
    (["metrics.acc DESC"], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 10]),
    (["metrics.acc ASC"], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 10]),
    (["metrics.acc"], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 10]),
    (["params.model"], [9, 6, 3, 0, 11, 8, 5, 2, 10, 7, 4, 1]),
    (["params.model DESC"], [10, 7, 4, 1, 11, 8, 5, 2, 9, 6, 3, 0]),
    (["params.lr DESC"], [5, 4, 3, 2, 1, 0, 10, 9, 8, 7, 6, 11]),
    (["params.lr ASC", "metrics.acc DESC"], [9, 8, 7, 6, 10, 5, 4, 3, 2, 1, 0, 11]),
    (["params.model ASC", "metrics.acc ASC"], [0, 3, 6, 9, 2, 5, 8, 11, 1, 4, 7, 10]),
    (["tags.team ASC"], [0, 2, 4, 6, 8, 9, 7, 5, 3, 1, 11, 10]),
    (["start_time ASC"], list(range(12))),
    (["attributes.start_time DESC"], NEWEST_FIRST),
    (["attributes.run_name DESC"], [3, 11, 10, 9, 8, 7, 6, 5, 4, 2, 1, 0]),
]


def test_order_by(corpus: Corpus) -> None:
    corpus.check_orders(ORDER_BY_CASES)


def test_order_by_with_filter(corpus: Corpus) -> None:
    got = corpus.search("params.model != 'cnn'", order_by=["metrics.acc DESC"])
    assert got == corpus.ids(8, 7, 5, 4, 2, 1, 11, 10)


def test_multi_experiment_search(corpus: Corpus) -> None:
    store = corpus.store
    other = store.create_experiment("other")
    between = store.create_run(NewRun(other, start_time=start_time(5) + 1)).info.run_id
    newest = store.create_run(NewRun(other, start_time=start_time(20))).info.run_id
    store.log_batch(between, LogBatch(params=[Param("model", "cnn")]))
    store.log_batch(newest, LogBatch(params=[Param("model", "rnn")]))
    third = store.create_experiment("unrelated")
    store.create_run(NewRun(third, start_time=start_time(30)))

    page = store.search_runs([corpus.experiment_id, other], "params.model = 'cnn'")
    assert [r.info.run_id for r in page.runs] == [*corpus.ids(9, 6), between, *corpus.ids(3, 0)]
    page = store.search_runs([other, corpus.experiment_id], max_results=3)
    assert [r.info.run_id for r in page.runs] == [newest, *corpus.ids(11, 10)]
    assert [r.info.run_id for r in store.search_runs([other]).runs] == [newest, between]
    assert store.search_runs([]).runs == []


@pytest.mark.parametrize(
    ("filter_string", "order_by", "expected"),
    [
        (None, None, NEWEST_FIRST),
        (None, ["metrics.acc DESC"], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 10]),
        ("metrics.acc >= 0", ["params.model ASC"], [9, 6, 3, 0, 8, 5, 2, 7, 4, 1]),
    ],
)
def test_paging_visits_every_run_once_in_order(
    corpus: Corpus, filter_string: str | None, order_by: list[str] | None, expected: list[int]
) -> None:
    seen: list[str] = []
    sizes: list[int] = []
    token: str | None = None
    for _ in range(10):
        page = corpus.store.search_runs(
            [corpus.experiment_id], filter_string, max_results=5, order_by=order_by, page_token=token
        )
        seen += [r.info.run_id for r in page.runs]
        sizes.append(len(page.runs))
        token = page.next_page_token
        if token is None:
            break
    assert seen == corpus.ids(*expected)
    assert len(set(seen)) == len(seen)
    assert sizes == [5] * (len(expected) // 5) + ([len(expected) % 5] if len(expected) % 5 else [])


def test_exactly_full_last_page_has_no_token(corpus: Corpus) -> None:
    first = corpus.store.search_runs([corpus.experiment_id], "tags.team IS NOT NULL", max_results=5)
    assert first.next_page_token is not None
    second = corpus.store.search_runs(
        [corpus.experiment_id], "tags.team IS NOT NULL", max_results=5, page_token=first.next_page_token
    )
    assert second.next_page_token is None
    assert [r.info.run_id for r in first.runs + second.runs] == corpus.ids(*range(9, -1, -1))


def test_empty_page_token_is_the_first_page(corpus: Corpus) -> None:
    page = corpus.store.search_runs([corpus.experiment_id], max_results=2, page_token="")
    assert [r.info.run_id for r in page.runs] == corpus.ids(11, 10)


@pytest.mark.parametrize("token", ["not-a-token", "!!!", "e30=", "eyJvZmZzZXQiOi0xfQ==", "x" * 300])
def test_bad_page_token(store: TrackingStore, token: str) -> None:
    with pytest.raises(InvalidFilter) as info:
        store.search_runs(["0"], page_token=token)
    assert isinstance(info.value, InvalidArgument)
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    assert info.value.field == "page_token"


@pytest.mark.parametrize("max_results", [0, -1, 50_001, 10**9])
def test_max_results_out_of_range(store: TrackingStore, max_results: int) -> None:
    with pytest.raises(InvalidArgument) as info:
        store.search_runs(["0"], max_results=max_results)
    assert info.value.field == "max_results"


def test_max_results_at_the_limit(corpus: Corpus) -> None:
    page = corpus.store.search_runs([corpus.experiment_id], max_results=50_000)
    assert [r.info.run_id for r in page.runs] == corpus.ids(*NEWEST_FIRST)
    assert page.next_page_token is None
    page = corpus.store.search_runs([corpus.experiment_id], max_results=1)
    assert [r.info.run_id for r in page.runs] == corpus.ids(11)
    assert page.next_page_token is not None


def test_unknown_experiment_is_not_found(corpus: Corpus) -> None:
    with pytest.raises(NotFound, match="424242"):
        corpus.store.search_runs([corpus.experiment_id, "424242"])


@pytest.mark.parametrize(
    "filter_string",
    ["metrics.acc >", "acc > 1", "metrics.acc > 'high'", "params.lr > 1", "attributes.nope = 'x'",
     "(metrics.acc > 1", "attributes.status = 'DONE'"],
)  # fmt: skip
def test_bad_filter_is_invalid_filter(store: TrackingStore, filter_string: str) -> None:
    with pytest.raises(InvalidFilter):
        store.search_runs(["0"], filter_string)


def test_bad_order_by_is_invalid_filter(store: TrackingStore) -> None:
    with pytest.raises(InvalidFilter):
        store.search_runs(["0"], order_by=["metrics.acc SIDEWAYS"])


def test_deleted_runs_only_with_deleted_views(corpus: Corpus) -> None:
    store = corpus.store
    store.delete_run(corpus.run_ids[0])
    store.delete_run(corpus.run_ids[7])
    active = [11, 10, 9, 8, 6, 5, 4, 3, 2, 1]
    assert corpus.search() == corpus.ids(*active)
    assert corpus.search(view_type=ViewType.ACTIVE_ONLY) == corpus.ids(*active)
    assert corpus.search(view_type=ViewType.DELETED_ONLY) == corpus.ids(7, 0)
    assert corpus.search(view_type=ViewType.ALL) == corpus.ids(*NEWEST_FIRST)
    assert corpus.search("params.model = 'cnn'", view_type=ViewType.DELETED_ONLY) == corpus.ids(0)
    assert corpus.search("attributes.lifecycle_stage = 'deleted'", view_type=ViewType.ALL) == corpus.ids(7, 0)
    store.restore_run(corpus.run_ids[7])
    assert corpus.search(view_type=ViewType.DELETED_ONLY) == corpus.ids(0)
