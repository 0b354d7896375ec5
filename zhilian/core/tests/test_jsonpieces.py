"""A document gzipped in pieces (core.jsonpieces) is exactly the document, and writing it again
after a small change compresses only what changed."""

import gzip
import random

import orjson
import pytest

from zhilian.core.jsonpieces import dump_pieces, gzip_json


def _dumps(value):
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def _document(seed=1, nodes=2000, problems=10000):
    r = random.Random(seed)
    return {
        "chain": {"id": 7, "name": "新型显示产业链", "owner": None},
        "version": None,
        "generated_at": "2026-12-05T14:00:00+08:00",
        "segments": [{"code": c, "name": n} for c, n in (("up", "上游"), ("mid", "中游"), ("down", "下游"))],
        "nodes": [{"id": i, "name": f"环节{i}", "problems": [], 3: "非字符串键",
                   "enterprises": [{"id": r.randrange(10**5), "name": f"厦门{r.choice('天马华联友达')}企业{j}",
                                    "ladder": r.choice(["leader", "follower"])} for j in range(r.randrange(20))]}
                  for i in range(1, nodes)],
        "institutions": [{"id": i, "name": f"检测机构{i}"} for i in range(500)],
        "problems": [{"id": r.randrange(1, 10**6), "name": f"问题{r.randrange(10**4)}", "detail": False}
                     for _i in range(problems)],
        "codes": [f"代码{i}" for i in range(200)],  # items without ids
        "labels": {"segment": {"up": "上游"}},
        "empty": [],
        "published_at": None,
    }


@pytest.mark.req("MAP-05")
def test_the_pieces_are_exactly_the_document_and_gzip_to_it():
    for data in (_document(), _document(seed=2, nodes=70, problems=65)):
        pieces, _steps = dump_pieces(data, _dumps)
        assert b"".join(pieces) == _dumps(data)
        body = gzip_json(data, _dumps)
        assert gzip.decompress(body.gzipped) == body.plain == _dumps(data)
        assert body.compressed == len(set(pieces))
    big = _document()
    assert len(dump_pieces(big, _dumps)[0]) > 20
    # Each piece compressed with the 32 KB before it: about as small as the document compressed whole.
    assert len(gzip_json(big, _dumps).gzipped) < 1.01 * len(gzip.compress(_dumps(big), 5))


@pytest.mark.req("MAP-05")
def test_written_again_only_the_changed_pieces_are_compressed_and_the_result_is_exact():
    data = _document()
    first = gzip_json(data, _dumps)
    data["problems"][1234]["detail"] = True
    data["problems"].insert(40, {"id": 999_999_937, "name": "新增问题", "detail": True})
    del data["nodes"][300]
    data["generated_at"] = "2026-12-05T14:00:01+08:00"
    second = gzip_json(data, _dumps, first)
    assert gzip.decompress(second.gzipped) == _dumps(data)
    assert second.steps == first.steps
    # the header's, the edited problem's, the new problem's, the removed link's, and the piece after each
    assert 2 <= second.compressed <= 10
    unchanged = gzip_json(data, _dumps, second)
    assert unchanged.compressed == 0 and unchanged.gzipped == second.gzipped
    # A list grown past twice its pieces' size is cut afresh, and still exact.
    data["problems"] = data["problems"] * 3
    for problem in data["problems"]:
        problem["name"] *= 5
    grown = gzip_json(data, _dumps, unchanged)
    assert grown.steps["problems"] < unchanged.steps["problems"] and grown.plain == _dumps(data)
