"""Shared parts of the benchmark scripts (not part of the test suite).

* a PostgreSQL database per script, migrated and loaded with the demo data;
* dataset generation: realistic Chinese organizations, people, products, written with
  ``COPY`` after every row went through the model's own ``save()`` overrides (so
  ``search_text``, ``name_sort``, ``product_sort``, ``in_province`` … hold exactly what the
  app would store), plus a check that a real ``save()`` of sampled rows changes nothing;
* gunicorn on a free port, configured as ``zhilian serve`` runs it, DEBUG off;
* sign-in through the real login form and ``POST /api/v1/auth/token/``;
* a concurrent driver (threads, one ``requests.Session`` each), percentiles, load averages;
* an in-process profile of one request per endpoint (queries, slowest query, EXPLAIN ANALYZE);
* results as JSON under ``bench/results/`` (git-ignored) and as a Markdown table.

Run the scripts with the project's virtualenv: ``.venv/bin/python bench/directory.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import math
import os
import platform
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}
DEMO_PASSWORD = "Zhilian@2026"
REDIS_URL = "redis://127.0.0.1:6379/7"


def log(*parts):
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


# =========================================================================== arguments and environment


def parse_args(name: str, description: str, extra: Callable[[argparse.ArgumentParser], None] | None = None):
    parser = argparse.ArgumentParser(prog=f"bench/{name}.py", description=description)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every dataset size (default 1.0)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load per endpoint (default 20)")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1,
                        help="gunicorn worker processes (default: CPUs + 1, as `zhilian serve`)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per gunicorn worker (default 1: sync workers, as `zhilian serve`)")
    parser.add_argument("--driver", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python",
                        help="load generator: wrk (default when installed) or Python threads")
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards (default: drop it)")
    parser.add_argument("--reuse-db", action="store_true",
                        help="reuse the database a previous --keep-db run left (skips generation)")
    parser.add_argument("--db", default=f"zhilian_bench_{name}", help="database name (default zhilian_bench_%(prog)s)")
    parser.add_argument("--warmup", type=float, default=3.0,
                        help="seconds of unmeasured load per endpoint before it is measured, from as many clients "
                             "(default 3; 0: none)")
    parser.add_argument("--serial-duration", type=float, default=6.0,
                        help="seconds of one-client requests per endpoint after the concurrent run (0: skip)")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="run only the endpoints whose name contains TEXT (repeatable; names contain commas, "
                             "so this is not a comma-separated list; default: all)")
    parser.add_argument("--no-profile", action="store_true", help="skip the in-process query profile")
    parser.add_argument("--no-redis", action="store_true",
                        help="serve without Redis (kept results stay in each worker's memory)")
    parser.add_argument("--no-cache", action="store_true",
                        help="serve with ZHILIAN_RESULT_CACHE=0: every answer computed (the cold path)")
    parser.add_argument("--vary", action="store_true",
                        help="with kept results on, send each request a path no earlier request of the run asked "
                             "(the endpoint's varied paths: other filters, sort orders and pages, search terms "
                             "taken from the data): each list or search answer is computed, while the account, "
                             "its menu and the kept statements stay kept, as they do for a user searching "
                             "something new; needs the wrk driver")
    parser.add_argument("--writes", type=float, default=0.0, metavar="PER_SECOND",
                        help="while each endpoint is measured, edit a row of a table it reads through the API at "
                             "this steady rate (default 0: a read-only load; every edit makes the kept answers "
                             "built on that table be computed again)")
    if extra:
        extra(parser)
    args = parser.parse_args()
    args.name = name
    return args


def configure_environment(args) -> dict:
    """Set the variables the settings read; return the environment for subprocesses."""
    data_dir = RESULTS / f"{args.name}-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "DATABASE_URL": f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{args.db}",
        "ZHILIAN_DATA_DIR": str(data_dir),
        "SECRET_KEY": "bench-" + hashlib.sha256(args.db.encode()).hexdigest(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SETTINGS_MODULE": "zhilian.settings",
        "ZHILIAN_LOG_LEVEL": "WARNING",
    }
    for key in ("ZHILIAN_DEBUG", "ZHILIAN_TESTING", "REDIS_URL", "ZHILIAN_RESULT_CACHE"):
        os.environ.pop(key, None)
    if not args.no_redis:
        # Production at scale: Redis shares kept results between the workers (and queues jobs).
        env["REDIS_URL"] = REDIS_URL
        subprocess.run(["redis-cli", "-u", REDIS_URL, "FLUSHDB"], check=False, capture_output=True)
    if args.no_cache:
        env["ZHILIAN_RESULT_CACHE"] = "0"
    os.environ.update(env)
    return dict(os.environ)


def _pg(cmd: list[str], check=True, capture=False):
    base = ["-h", PG["host"], "-p", PG["port"], "-U", PG["user"]]
    return subprocess.run([cmd[0], *base, *cmd[1:]], check=check, text=True,
                          capture_output=capture)


def database_exists(name: str) -> bool:
    out = _pg(["psql", "-d", "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
              capture=True)
    return out.stdout.strip() == "1"


def drop_database(name: str):
    _pg(["dropdb", "--if-exists", "--force", name])


def zhilian(env, *command):
    """Run a ``zhilian`` management command in a subprocess (as an operator would)."""
    subprocess.run([sys.executable, "-m", "zhilian.cli", *command], env=env, check=True, cwd=ROOT)


def prepare_database(args, env) -> bool:
    """Create, migrate and demo-load the database; return True when data must be generated."""
    if args.reuse_db and database_exists(args.db):
        log(f"reusing database {args.db}")
        zhilian(env, "migrate", "-v0")  # a newer checkout may add indexes
        zhilian(env, "collectstatic", "--noinput", "-v0")
        return False
    drop_database(args.db)
    _pg(["createdb", "-T", "template0", "-E", "UTF8", "--locale=C.UTF-8", args.db])
    log(f"created database {args.db} (UTF8, C.UTF-8)")
    zhilian(env, "migrate", "-v0")
    log("migrated")
    zhilian(env, "loaddemo")
    zhilian(env, "collectstatic", "--noinput", "-v0")
    log("demo data loaded, static files collected")
    return True


def django_setup():
    import django

    django.setup()


def vacuum_analyze():
    """What autovacuum would do soon after a bulk load: fresh statistics, visibility map."""
    from django.db import connection

    from zhilian.core import versions

    versions.bump_all()  # rows written with COPY: no version tracking saw them
    t0 = time.time()
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")
    log(f"VACUUM ANALYZE {time.time() - t0:.1f}s")


# =========================================================================== bulk writing


@contextlib.contextmanager
def save_path_only():
    """Run models' ``save()`` overrides without writing: the terminal ``Model.save`` is a no-op.

    Every override in the app (``SearchableMixin`` → ``search_text``, ``PinyinSortMixin`` →
    ``name_sort``, ``TestingCapability`` → ``product_sort``, ``Placement`` → ``in_province``,
    ``ConsortiumMember`` → ``cross_region`` …) ends in ``super().save()``; with that
    neutralised the instance holds exactly the values the app's save path would store.
    """
    from django.db import models

    original = models.Model.save
    models.Model.save = lambda self, *a, **k: None
    try:
        yield
    finally:
        models.Model.save = original


def allocate_ids(model, n: int) -> list[int]:
    from django.db import connection

    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, n])
        return [r[0] for r in cur.fetchall()]


def copy_insert(model, objects: list, *, derive: bool = True, batch: int = 20000) -> list:
    """Write ``objects`` with PostgreSQL COPY, values prepared as Django's ``bulk_create`` would.

    Primary keys come from the table's own sequence. With ``derive`` each object first goes
    through its ``save()`` overrides (see :func:`save_path_only`).
    """
    from django.db import connection, transaction

    if not objects:
        return objects
    opts = model._meta
    fields = [f for f in opts.concrete_fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {connection.ops.quote_name(opts.db_table)} ({columns}) FROM STDIN"
    ids = allocate_ids(model, sum(1 for o in objects if o.pk is None))
    it = iter(ids)
    for obj in objects:
        if obj.pk is None:
            obj.pk = next(it)
    with transaction.atomic():
        for start in range(0, len(objects), batch):
            chunk = objects[start:start + batch]
            with connection.cursor() as cur, cur.copy(sql) as copy:
                if derive:
                    with save_path_only():
                        for obj in chunk:
                            obj.save()
                for obj in chunk:
                    copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
                    obj._state.adding = False
                    obj._state.db = "default"
    return objects


def copy_m2m(relation, pairs: list[tuple[int, int]]):
    """Insert rows of an auto-created many-to-many table: ``relation`` is e.g. ``Problem.concerned_enterprises``."""
    through = relation.through
    field = relation.field
    source = field.m2m_field_name() + "_id"
    target = field.m2m_reverse_field_name() + "_id"
    rows = [through(**{source: a, target: b}) for a, b in pairs]
    copy_insert(through, rows, derive=False)


def verify_save_path(model, n: int = 50, select_related=()) -> dict:
    """Re-save ``n`` random rows through the real ORM path inside a rolled-back transaction and
    compare the derived columns: proves the bulk-written rows are what the app writes."""
    from django.db import transaction

    derived = [f for f in ("search_text", "search_doubled", "name_sort", "product_sort", "in_province", "cross_region")
               if any(x.name == f for x in model._meta.concrete_fields)]
    if not derived:
        return {"model": model._meta.label, "checked": 0}
    ids = list(model.objects.order_by("?").values_list("pk", flat=True)[:n])
    mismatches = []
    with transaction.atomic():
        for obj in model.objects.filter(pk__in=ids).select_related(*select_related):
            before = {f: getattr(obj, f) for f in derived}
            obj.save()
            obj.refresh_from_db(fields=derived)
            after = {f: getattr(obj, f) for f in derived}
            if before != after:
                mismatches.append({"pk": obj.pk, "stored": before, "save_path": after})
        transaction.set_rollback(True)
    if mismatches:
        raise SystemExit(f"derived columns of {model._meta.label} differ from the save path: {mismatches[:3]}")
    return {"model": model._meta.label, "checked": len(ids), "fields": derived}


def validate_sample(objects: list, n: int = 30, exclude=()):
    """``full_clean()`` a sample of generated objects: the rows pass the app's own validation."""
    rng = random.Random(1)
    for obj in rng.sample(objects, min(n, len(objects))):
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)


# =========================================================================== realistic Chinese data

# province, city, 6-digit area code, districts; the first is the deploying city.
CITIES = [
    ("福建省", "厦门市", "350200", ["思明区", "湖里区", "集美区", "海沧区", "同安区", "翔安区"]),
    ("福建省", "福州市", "350100", ["鼓楼区", "台江区", "仓山区", "晋安区", "马尾区", "长乐区"]),
    ("福建省", "泉州市", "350500", ["鲤城区", "丰泽区", "洛江区", "泉港区", "晋江市", "石狮市"]),
    ("福建省", "漳州市", "350600", ["芗城区", "龙文区", "龙海区", "长泰区"]),
    ("广东省", "深圳市", "440300", ["南山区", "福田区", "宝安区", "龙岗区"]),
    ("上海市", "上海市", "310100", ["浦东新区", "闵行区", "嘉定区", "松江区"]),
    ("江苏省", "苏州市", "320500", ["吴中区", "相城区", "昆山市", "虎丘区"]),
    ("浙江省", "宁波市", "330200", ["鄞州区", "北仑区", "镇海区", "慈溪市"]),
    ("安徽省", "合肥市", "340100", ["蜀山区", "包河区", "庐阳区", "瑶海区"]),
]
CITY_WEIGHTS = [60, 8, 8, 5, 6, 4, 4, 3, 2]
XIAMEN_DISTRICTS = CITIES[0][3]

TRADE_CHARS = ("鹭岛海翔星辰华鑫宏达盛源鼎恒瑞丰金联创新科泰安隆信润凯博嘉和兴晟宸德昌旭光明远航峰峻宇合通立众优"
               "智精锐腾飞雅美康健绿清云天中晶芯磊森林益福祥裕泓汇景铭晖耀启")
INDUSTRY_WORDS = [
    ("光电", "计算机、通信和其他电子设备制造业"), ("显示", "计算机、通信和其他电子设备制造业"),
    ("电子", "计算机、通信和其他电子设备制造业"), ("半导体", "计算机、通信和其他电子设备制造业"),
    ("精密", "通用设备制造业"), ("机械", "通用设备制造业"), ("智能装备", "专用设备制造业"), ("模具", "专用设备制造业"),
    ("材料", "化学原料和化学制品制造业"), ("化工", "化学原料和化学制品制造业"), ("新能源", "电气机械和器材制造业"),
    ("电池", "电气机械和器材制造业"), ("照明", "电气机械和器材制造业"), ("汽车部件", "汽车制造业"),
    ("医疗器械", "专用设备制造业"), ("食品", "食品制造业"), ("茶业", "酒、饮料和精制茶制造业"),
    ("水产", "农副食品加工业"), ("纺织", "纺织业"), ("服饰", "纺织服装、服饰业"), ("鞋业", "皮革、毛皮、羽毛及其制品和制鞋业"),
    ("家居", "家具制造业"), ("卫浴", "金属制品业"), ("五金", "金属制品业"), ("陶瓷", "非金属矿物制品业"),
    ("石材", "非金属矿物制品业"), ("包装", "造纸和纸制品业"), ("塑胶", "橡胶和塑料制品业"), ("生物", "医药制造业"),
    ("软件", "软件和信息技术服务业"),
]
COMPANY_SUFFIXES = ["科技有限公司", "有限公司", "股份有限公司", "实业有限公司", "制造有限公司", "工业有限公司",
                    "技术有限公司", "集团有限公司"]
ROADS = ["火炬东路", "民安大道", "新阳路", "杏林湾路", "安岭路", "观日路", "舫山南路", "同集路", "滨海西大道", "翔安北路",
         "软件园二期", "海景东路", "环岛东路", "枋湖北二路", "马巷大道", "工业集中区", "高新技术产业园", "科技创新园"]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟"
            "姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛段雷龙黎史陶贺毛郝顾龚邵万武钱戴严莫孔常汤康易乔赖文施洪庄")
GIVEN_CHARS = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志远海峰立群明辉晓东振华雪梅文博思源子轩梓涵浩宇欣怡"
               "俊杰佳琪宏伟丽娟国强春燕秀兰建平红霞德明永刚玉兰家豪嘉怡晨阳一鸣")

# product, parameters, methods (with the standard they follow): the testing-capability catalogue.
PRODUCTS = {
    "液晶显示模组": ["亮度", "对比度", "色域覆盖率", "响应时间", "视角", "功耗"],
    "玻璃基板": ["翘曲度", "厚度均匀性", "表面粗糙度", "热收缩率", "透光率"],
    "偏光片": ["偏光度", "单体透过率", "耐湿热性", "剥离力"],
    "背光模组": ["亮度均匀性", "色坐标", "光衰", "高温高湿存储"],
    "驱动芯片": ["静电放电抗扰度", "闩锁效应", "高温工作寿命", "功耗"],
    "触控面板": ["线性度", "报点率", "表面硬度", "耐划伤性"],
    "OLED面板": ["亮度", "寿命", "色偏", "残影"],
    "单晶硅棒": ["电阻率", "径向电阻率不均匀度", "氧含量", "碳含量", "少子寿命"],
    "硅片": ["厚度", "总厚度变化", "翘曲度", "表面金属沾污"],
    "锂离子电池": ["容量", "循环寿命", "内阻", "过充", "针刺", "热滥用"],
    "动力电池模组": ["绝缘电阻", "振动", "机械冲击", "热扩散"],
    "电机": ["效率", "温升", "噪声", "绝缘耐压"],
    "电线电缆": ["导体电阻", "绝缘厚度", "耐压试验", "燃烧性能"],
    "LED灯具": ["光通量", "光效", "显色指数", "谐波电流", "光生物安全"],
    "家用电器": ["泄漏电流", "电气强度", "输入功率", "能效"],
    "医疗器械": ["生物相容性", "电气安全", "电磁兼容", "无菌"],
    "食品": ["菌落总数", "大肠菌群", "重金属", "农药残留", "食品添加剂"],
    "茶叶": ["水分", "总灰分", "农药残留", "感官品质"],
    "水产品": ["挥发性盐基氮", "组胺", "重金属", "兽药残留"],
    "纺织品": ["甲醛含量", "pH值", "色牢度", "纤维含量"],
    "鞋类": ["耐折性能", "剥离强度", "耐磨性能", "有害物质"],
    "陶瓷卫浴": ["吸水率", "破坏强度", "釉面耐磨", "冲洗功能"],
    "石材": ["放射性", "体积密度", "弯曲强度", "吸水率"],
    "塑料制品": ["拉伸强度", "熔体流动速率", "维卡软化温度", "迁移量"],
    "包装材料": ["耐压强度", "阻隔性能", "溶剂残留", "密封性"],
    "汽车零部件": ["盐雾试验", "尺寸精度", "硬度", "疲劳寿命"],
    "紧固件": ["抗拉强度", "保证载荷", "硬度", "镀层厚度"],
    "压力容器": ["无损检测", "耐压试验", "壁厚"],
    "电子元器件": ["温度循环", "可焊性", "耐湿性", "失效分析"],
    "印制电路板": ["阻抗", "剥离强度", "热应力", "离子污染"],
}
METHODS = [
    ("GB/T 2423.1-2008", "低温试验"), ("GB/T 2423.2-2008", "高温试验"), ("GB/T 2423.3-2016", "恒定湿热试验"),
    ("GB/T 2423.17-2008", "盐雾试验"), ("GB/T 17626.2-2018", "静电放电抗扰度试验"), ("GB 4943.1-2022", "安全要求"),
    ("GB/T 18910.61-2012", "液晶显示器件测量方法"), ("GB/T 1551-2021", "硅单晶电阻率测定 直流四探针法"),
    ("GB/T 1557-2018", "硅晶体中间隙氧含量红外吸收测量方法"), ("GB/T 31484-2015", "循环寿命要求及试验方法"),
    ("GB 38031-2020", "电动汽车用动力蓄电池安全要求"), ("GB/T 1032-2023", "三相异步电动机试验方法"),
    ("GB/T 3048.4-2007", "导体直流电阻试验"), ("GB/T 9468-2008", "灯具分布光度测量"),
    ("GB 4706.1-2005", "家用和类似用途电器的安全"), ("GB/T 16886.5-2017", "体外细胞毒性试验"),
    ("GB 4789.2-2022", "菌落总数测定"), ("GB 5009.12-2023", "铅的测定"), ("GB 2763-2021", "农药最大残留限量"),
    ("GB/T 2912.1-2009", "甲醛的测定 水萃取法"), ("GB/T 3920-2008", "耐摩擦色牢度"), ("GB/T 3903.1-2017", "耐折性能试验方法"),
    ("GB/T 3810.3-2016", "吸水率测定"), ("GB 6566-2010", "建筑材料放射性核素限量"), ("GB/T 1040.2-2022", "拉伸性能的测定"),
    ("GB/T 4857.4-2008", "压力试验方法"), ("GB/T 3098.1-2010", "紧固件机械性能"), ("NB/T 47013.2-2015", "射线检测"),
    ("GB/T 2423.22-2012", "温度变化试验"), ("IPC-TM-650 2.4.8", "剥离强度"),
]
TITLES = [("助理工程师", "junior"), ("工程师", "intermediate"), ("高级工程师", "associate_senior"),
          ("正高级工程师", "senior"), ("副教授", "associate_senior"), ("教授", "senior"), ("研究员", "senior"),
          ("副研究员", "associate_senior"), ("", "none")]


def person_name(rng: random.Random) -> str:
    n = 1 if rng.random() < 0.35 else 2
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN_CHARS) for _ in range(n))


def mobile(rng: random.Random) -> str:
    return rng.choice(["139", "138", "137", "136", "135", "158", "159", "188", "189", "186", "177"]) + \
        f"{rng.randrange(10**8):08d}"


def landline(rng: random.Random) -> str:
    return f"0592-{rng.randrange(2000000, 8999999)}"


def pick_city(rng: random.Random):
    return rng.choices(CITIES, weights=CITY_WEIGHTS)[0]


def trade_name(rng: random.Random) -> str:
    return "".join(rng.sample(TRADE_CHARS, 2))


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(rng: random.Random, area: str, used: set, kind: str = "91") -> str:
    """A GB 32100 code with a valid check character (as zhilian.directory.demo.make_uscc)."""
    from stdnum.cn import uscc as stdnum_uscc

    while True:
        body = kind + area + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
        code = body + stdnum_uscc.calc_check_digit(body)
        if code not in used:
            used.add(code)
            return code


def id_number(rng: random.Random) -> str:
    from stdnum.cn import ric

    # Region 350221 (former 同安县, as the demo data): a code stdnum's GB/T 2260 list knows,
    # so the numbers pass the model's GB 11643 validation.
    born = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 35))
    body = f"350221{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")  # the function skips the last character


def random_date(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange(max(1, (end - start).days)))


# =========================================================================== the directory


# the directory of issue "Platform foundation" at --scale 1.0; chains.py and projects.py use it too
DIRECTORY_SIZES = {"enterprises": 100_000, "institutions": 5_000, "capabilities": 200_000, "experts": 20_000}


def directory_sizes(scale: float) -> dict:
    return {k: max(1, int(v * scale)) for k, v in DIRECTORY_SIZES.items()}


@dataclass
class Directory:
    enterprises: list = field(default_factory=list)   # Organization instances
    institutions: list = field(default_factory=list)
    experts: list = field(default_factory=list)
    capabilities: int = 0


def generate_directory(rng: random.Random, *, enterprises: int, institutions: int, capabilities: int,
                       experts: int) -> Directory:
    """Organizations (enterprises, technical institutions), capabilities and experts, bulk-written."""
    from django.utils import timezone

    from zhilian.directory.choices import (
        ExpertQualificationKind, OrganizationKind, QualificationKind, SizeClass,
    )
    from zhilian.directory.models import (
        Expert, ExpertQualification, InstitutionQualification, Organization, ServiceDomain, TestingCapability,
    )

    used = set(Organization.objects.exclude(uscc=None).values_list("uscc", flat=True))
    now = timezone.now()
    out = Directory()
    t0 = time.time()
    rows = []
    for i in range(enterprises):
        province, city, area, districts = pick_city(rng)
        word, industry = rng.choice(INDUSTRY_WORDS)
        trade = trade_name(rng)
        name = f"{city[:-1]}{trade}{word}{rng.choice(COMPANY_SUFFIXES)}"
        district = rng.choice(districts)
        rows.append(Organization(
            kind=OrganizationKind.ENTERPRISE, name=name, short_name=f"{trade}{word}"[:50],
            uscc=uscc(rng, area, used), province=province, city=city, district=district,
            address=f"{district}{rng.choice(ROADS)}{rng.randrange(1, 2000)}号", industry=industry,
            size=rng.choices([SizeClass.MICRO, SizeClass.SMALL, SizeClass.MEDIUM, SizeClass.LARGE], [30, 40, 22, 8])[0],
            established_on=random_date(rng, datetime.date(1985, 1, 1), datetime.date(2025, 12, 31)),
            legal_representative=person_name(rng), contact_name=person_name(rng), contact_phone=mobile(rng),
            email=f"qa{i}@example.com", description=f"主要从事{word}产品的研发、生产与销售，{rng.choice(list(PRODUCTS))}配套。",
            created_at=now - datetime.timedelta(minutes=i),
        ))
    validate_sample(rows)
    out.enterprises = copy_insert(Organization, rows)
    log(f"  {len(rows)} enterprises in {time.time() - t0:.1f}s")

    t0 = time.time()
    rows = []
    patterns = ["{c}{t}检测技术有限公司", "{c}{t}计量测试研究院", "{c}{t}认证有限公司", "{c}{t}质量检验中心",
                "{p}{t}产品质量检验研究院", "{c}{t}标准化技术服务有限公司"]
    for i in range(institutions):
        province, city, area, districts = pick_city(rng)
        district = rng.choice(districts)
        name = rng.choice(patterns).format(c=city[:-1], p=province[:-1], t=trade_name(rng))
        rows.append(Organization(
            kind=OrganizationKind.INSTITUTION, name=name, short_name=name[2:8], uscc=uscc(rng, area, used),
            province=province, city=city, district=district,
            address=f"{district}{rng.choice(ROADS)}{rng.randrange(1, 900)}号", industry="专业技术服务业",
            contact_name=person_name(rng), contact_phone=landline(rng), email=f"lab{i}@example.com",
            description="具备 CMA / CNAS 资质的第三方检验检测机构，提供检测、校准与技术咨询服务。",
            created_at=now - datetime.timedelta(minutes=i),
        ))
    validate_sample(rows)
    out.institutions = copy_insert(Organization, rows)
    domains = list(ServiceDomain.objects.values_list("pk", flat=True))
    copy_m2m(Organization.service_domains,
             [(o.pk, d) for o in out.institutions for d in rng.sample(domains, min(len(domains), rng.randint(1, 3)))])
    quals, certs = [], set()
    for o in out.institutions:
        for kind in rng.sample([QualificationKind.CMA, QualificationKind.CNAS], rng.randint(1, 2)):
            while True:
                no = f"{rng.randrange(10**11, 10**12)}" if kind == QualificationKind.CMA else f"L{rng.randrange(1000, 99999)}"
                if (kind, no) not in certs:
                    certs.add((kind, no))
                    break
            issued = random_date(rng, datetime.date(2019, 1, 1), datetime.date(2025, 12, 31))
            quals.append(InstitutionQualification(organization=o, kind=kind, certificate_no=no, issued_on=issued,
                                                  valid_until=issued + datetime.timedelta(days=6 * 365),
                                                  scope="见能力附表"))
    copy_insert(InstitutionQualification, quals)
    log(f"  {len(rows)} institutions, {len(quals)} CMA/CNAS certificates in {time.time() - t0:.1f}s")

    t0 = time.time()
    products = list(PRODUCTS.items())
    per = max(1, capabilities // max(1, institutions))
    rows = []
    # Laboratories specialise: each covers one or two product families (≈ 1/20 of the
    # institutions test a given product), as CMA scopes do.
    families = {}
    for idx in range(capabilities):
        inst = out.institutions[min(idx // per, len(out.institutions) - 1)] if out.institutions else None
        key = inst.pk if inst else None
        if key not in families:
            families[key] = rng.sample(products, rng.randint(1, 2))
        product, params = rng.choice(families[key])
        code, method = rng.choice(METHODS)
        rows.append(TestingCapability(
            institution=inst, product=product, parameter=rng.choice(params), method=f"{method} {code}",
            standard_code=code, qualification=rng.choice([QualificationKind.CMA, QualificationKind.CNAS]),
            limitation="" if rng.random() < 0.7 else "只测常温",
        ))
        if len(rows) >= 50000:
            copy_insert(TestingCapability, rows)
            out.capabilities += len(rows)
            rows = []
    copy_insert(TestingCapability, rows)
    out.capabilities += len(rows)
    log(f"  {out.capabilities} testing capabilities in {time.time() - t0:.1f}s")

    t0 = time.time()
    rows = []
    employers = out.institutions + out.enterprises[: max(1, len(out.enterprises) // 5)]
    specialties = [w for w, _i in INDUSTRY_WORDS]
    for i in range(experts):
        title, level = rng.choice(TITLES)
        employer = rng.choice(employers) if employers else None
        rows.append(Expert(
            name=person_name(rng), organization=employer if rng.random() < 0.6 else None,
            employer=employer.name if employer else "", title=title, title_level=level,
            specialties="、".join(rng.sample(specialties, 2)), quality_experience=rng.random() < 0.7,
            mobile=mobile(rng), email=f"expert{i}@example.com", id_number=id_number(rng),
            bio=f"长期从事{rng.choice(specialties)}领域质量管理与检验检测工作，参与多项国家及行业标准制定。",
        ))
    validate_sample(rows)
    out.experts = copy_insert(Expert, rows)
    copy_m2m(Expert.domains, [(e.pk, d) for e in out.experts for d in rng.sample(domains, rng.randint(1, 2))])
    kinds = [k for k, _l in ExpertQualificationKind.choices]
    copy_insert(ExpertQualification, [
        ExpertQualification(expert=e, kind=rng.choice(kinds), certificate_no=f"ZG{rng.randrange(10**8)}",
                            valid_until=random_date(rng, datetime.date(2025, 1, 1), datetime.date(2031, 1, 1)))
        for e in out.experts if rng.random() < 0.3])
    log(f"  {len(rows)} experts in {time.time() - t0:.1f}s")
    return out


def lite(org):
    """A detached Organization carrying pk and name: enough for FK assignment and search_text."""
    from zhilian.directory.models import Organization

    o = Organization(pk=org.pk, name=org.name, province=org.province, city=org.city, kind=org.kind,
                     district=org.district)
    o._state.adding = False
    return o


# =========================================================================== serving


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn as ``zhilian serve`` starts it (same flags), without the job worker."""

    def __init__(self, env: dict, workers: int = 4, threads: int = 2, name: str = "bench"):
        self.env = {**env, "DJANGO_SETTINGS_MODULE": "zhilian.settings"}
        self.workers, self.threads = workers, threads
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = RESULTS / f"{name}-gunicorn.log"
        self.proc = None

    def __enter__(self):
        self.log_file = open(self.log_path, "w")
        self.restarts = 0
        return self._start()

    def ensure_running(self):
        """Start gunicorn again if it went away (a signal from outside); counted in the results."""
        if self.proc.poll() is not None:
            self.restarts += 1
            log(f"gunicorn had exited (code {self.proc.returncode}); restarting")
            self.port = free_port()
            self.base = f"http://127.0.0.1:{self.port}"
            self._start()
        return self.base

    def _start(self):
        # --no-control-socket: gunicorn 27 otherwise shares /root/.gunicorn/gunicorn.ctl with any
        # other gunicorn on the machine (the test suite's), and one can stop the other.
        self.proc = subprocess.Popen([
            sys.executable, "-m", "gunicorn", "zhilian.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers), "--threads", str(self.threads), "--access-logfile",
            str(RESULTS / "access.log"), "--timeout", "120", "--graceful-timeout", "10", "--no-control-socket",
        ], env=self.env, cwd=ROOT, stdout=self.log_file, stderr=subprocess.STDOUT)
        import requests

        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited: see {self.log_path}")
            try:
                if requests.get(self.base + "/accounts/login/", timeout=5).status_code == 200:
                    log(f"gunicorn up on {self.base} ({self.workers} workers × {self.threads} threads, pid {self.proc.pid})")
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise SystemExit("gunicorn did not answer within 90 s")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log_file.close()
        log("gunicorn stopped")


# =========================================================================== signing in


def web_login(base: str, username: str, password: str = DEMO_PASSWORD) -> dict:
    """Sign in through the real login form; return the session cookies."""
    import requests

    s = requests.Session()
    page = s.get(base + "/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    r = s.post(base + "/accounts/login/", data={"username": username, "password": password,
                                                "csrfmiddlewaretoken": token},
               headers={"Referer": base + "/accounts/login/"}, allow_redirects=False, timeout=30)
    if r.status_code != 302 or "/accounts/login" in r.headers.get("Location", ""):
        raise SystemExit(f"web sign-in of {username} failed: {r.status_code} {r.headers.get('Location')}")
    return s.cookies.get_dict()


def api_token(base: str, username: str, password: str = DEMO_PASSWORD) -> str:
    """A current token of ``username``: the endpoint hands out the account's token while it is
    within its age and idle limits and a new one otherwise (``ZHILIAN_API_TOKEN_*``)."""
    import requests

    r = requests.post(base + "/api/v1/auth/token/", json={"username": username, "password": password}, timeout=30)
    if r.status_code != 200:
        raise SystemExit(f"token for {username} refused: {r.status_code} {r.text[:200]}")
    return r.json()["token"]


class Auth:
    """Web sessions and API tokens, obtained once per user (sign-in is rate-limited)."""

    def __init__(self, base):
        self.base = base  # sessions and tokens live in the database: they survive a server restart
        self.cookies, self.tokens = {}, {}

    def web(self, user):
        if user not in self.cookies:
            self.cookies[user] = web_login(self.base, user)
        return self.cookies[user]

    def token(self, user):
        if user not in self.tokens:
            self.tokens[user] = api_token(self.base, user)
        return self.tokens[user]


# =========================================================================== CPU accounting

_TICK = os.sysconf("SC_CLK_TCK")


def _proc_ticks(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return int(parts[11]) + int(parts[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


def _children(ppid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == ppid:
                        pids.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return pids


def _machine_ticks() -> tuple[int, int]:
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class CpuMeter:
    """CPU seconds used by the gunicorn workers, by this database's PostgreSQL backends, by this
    driver process, and by the whole machine, between ``start()`` and ``stop()``."""

    def __init__(self, server_pid: int | None, dbname: str):
        self.server_pid, self.dbname = server_pid, dbname

    def _pg_pids(self) -> list[int]:
        out = _pg(["psql", "-d", "postgres", "-tAc",
                   f"SELECT pid FROM pg_stat_activity WHERE datname = '{self.dbname}'"], check=False, capture=True)
        return [int(x) for x in out.stdout.split() if x.strip().isdigit()]

    def _snapshot(self):
        workers = _children(self.server_pid) if self.server_pid else []
        return ({p: _proc_ticks(p) or 0 for p in workers}, {p: _proc_ticks(p) or 0 for p in self._pg_pids()},
                os.times(), _machine_ticks())

    def start(self):
        self.before = self._snapshot()

    def stop(self) -> dict:
        after = self._snapshot()

        def delta(i):
            return sum(max(0, t - self.before[i].get(p, 0)) for p, t in after[i].items()) / _TICK

        busy = (after[3][0] - self.before[3][0]) / _TICK
        client = (after[2].user + after[2].system) - (self.before[2].user + self.before[2].system)
        app, db = delta(0), delta(1)
        return {"app_cpu_s": round(app, 2), "db_cpu_s": round(db, 2), "client_cpu_s": round(client, 2),
                "machine_busy_s": round(busy, 2), "other_cpu_s": round(max(0.0, busy - app - db - client), 2)}


# =========================================================================== the driver


@dataclass
class Endpoint:
    name: str
    kind: str                      # "web" (session cookie) or "api" (token)
    user: str                      # demo username
    path: Callable[[random.Random], str]
    target_ms: float
    check: Callable | None = None  # (response) -> error message or None, run once before the load
    note: str = ""
    # With --writes: (rng) -> (method, path, JSON body), an edit through the API, as ``writer``,
    # to a table the endpoint reads (its kept answers are then recomputed after each edit).
    write: Callable[[random.Random], tuple[str, str, dict]] | None = None
    writer: str = "mgmt"
    # With --vary: (rng) -> path, drawn from a space large enough that a measured run asks few
    # paths twice (lists: other filters, sort orders and pages; searches: terms taken from the
    # data). None: ``path`` is used, which for detail pages already picks among many rows.
    varied: Callable[[random.Random], str] | None = None


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def _session(endpoint: Endpoint, auth: Auth):
    import requests

    s = requests.Session()
    if endpoint.kind == "api":
        s.headers["Authorization"] = f"Token {auth.token(endpoint.user)}"
        s.headers["Accept"] = "application/json"
    else:
        s.cookies.update(auth.web(endpoint.user))
    return s


# Every endpoint is measured in its steady state: before the measured seconds, the same load
# runs for --warmup seconds. Each gunicorn worker does some work once, on the first request
# that needs it (0.1-1 s before core.warmup moved most of it to the worker's start), and the
# earlier warm-up (8 requests in a row) often reached only one of the workers. wrk corrects its
# latencies for coordinated omission: a request that took far longer than the run's average
# interval is recorded together with the requests a client sending at that steady rate would
# have sent meanwhile, so three one-off stalls of ~0.6 s made p95 136 ms where the server's
# log showed no other request of 8,725 above 15 ms. ``concurrency`` in the results is the
# mean latency times the throughput, divided by the clients: 1.0 for a closed loop measured as
# it ran; well above 1 (flagged) when such corrections weigh in the figures.
CONCURRENCY_FLAG = 1.1


def concurrency(result: dict) -> float | None:
    if not result.get("mean_ms") or not result.get("rps"):
        return None
    return round(result["mean_ms"] * result["rps"] / 1000 / result["clients"], 2)


def run_endpoint(base: str, endpoint: Endpoint, auth: Auth, *, clients: int, duration: float, seed: int,
                 meter: CpuMeter | None = None, warm: float = 3.0) -> dict:
    """Hit ``endpoint`` from ``clients`` threads for ``duration`` seconds; return the statistics.
    ``warm`` seconds of the same load come first, not measured: the comment above says why."""
    # one checked request first: the endpoint answers 200 with real content
    probe = _session(endpoint, auth)
    r = probe.get(base + endpoint.path(random.Random(seed)), timeout=300)
    problem = f"HTTP {r.status_code}" if r.status_code != 200 else (endpoint.check(r) if endpoint.check else None)
    if problem:
        raise SystemExit(f"{endpoint.name}: {problem} for {r.url}\n{r.text[:500]}")
    if warm:
        run_endpoint(base, endpoint, auth, clients=clients, duration=warm, seed=seed + 1, warm=0)
    sessions = [_session(endpoint, auth) for _ in range(clients)]

    samples: list[list] = [[] for _ in range(clients)]
    errors: list[list] = [[] for _ in range(clients)]
    barrier = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(i):
        rng = random.Random(seed * 1000 + i)
        s = sessions[i]
        barrier.wait()
        while True:
            path = endpoint.path(rng)
            t0 = time.perf_counter()
            if t0 >= stop_at[0]:
                break
            try:
                resp = s.get(base + path, timeout=300)
                ok = resp.status_code == 200
                _ = resp.content
            except Exception as exc:  # noqa: BLE001 - counted, reported
                ok, resp = False, exc
            dt = (time.perf_counter() - t0) * 1000
            if ok:
                samples[i].append(dt)
            else:
                errors[i].append(str(getattr(resp, "status_code", resp))[:100])

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    [t.start() for t in threads]
    load_before = os.getloadavg()
    if meter:
        meter.start()
    start = time.perf_counter()
    stop_at[0] = start + duration
    barrier.wait()
    [t.join() for t in threads]
    elapsed = time.perf_counter() - start
    cpu = meter.stop() if meter else {}
    load_after = os.getloadavg()
    values = sorted(v for part in samples for v in part)
    errs = [e for part in errors for e in part]
    result = {
        "name": endpoint.name, "kind": endpoint.kind, "user": endpoint.user, "note": endpoint.note,
        "example": endpoint.path(random.Random(seed)), "target_ms": endpoint.target_ms,
        "requests": len(values), "errors": len(errs), "error_samples": sorted(set(errs))[:5],
        "p50_ms": round(percentile(values, 50), 1), "p95_ms": round(percentile(values, 95), 1),
        "p99_ms": round(percentile(values, 99), 1), "max_ms": round(values[-1], 1) if values else None,
        "mean_ms": round(sum(values) / len(values), 1) if values else None,
        "rps": round(len(values) / elapsed, 1), "seconds": round(elapsed, 1),
        "bytes": len(r.content), "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after], "clients": clients, "cpu": cpu,
    }
    if values and cpu:
        n = len(values) + len(errs)
        result["app_cpu_ms_per_req"] = round(cpu["app_cpu_s"] * 1000 / n, 1)
        result["db_cpu_ms_per_req"] = round(cpu["db_cpu_s"] * 1000 / n, 1)
    result["concurrency"] = concurrency(result)
    result["met"] = bool(values) and not errs and result["p95_ms"] < endpoint.target_ms
    return result


_WRK_SCRIPT = """
local paths = {%(paths)s}
local headers = {%(headers)s}
for k, v in pairs(headers) do wrk.headers[k] = v end
local counter = 0
local errors = 0
function setup(thread)
  thread:set("offset", counter * %(stride)d)
  counter = counter + 1
end
function init(args)
  i = offset
end
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
response = function(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end
function done(summary, latency, requests)
  local out = io.open("%(out)s", "w")
  out:write(string.format('{"requests": %%d, "p50": %%d, "p95": %%d, "p99": %%d, "max": %%d, "mean": %%f, '
    .. '"duration_us": %%d, "errors_status": %%d, "errors_connect": %%d, "errors_read": %%d, '
    .. '"errors_write": %%d, "errors_timeout": %%d, "bytes": %%d}',
    summary.requests, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    latency.mean, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, summary.bytes))
  out:close()
end
"""


def _lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def query_path(prefix: str, pairs) -> str:
    """``prefix?name=value&…`` of the pairs with a value, the values quoted (``--vary`` lists)."""
    from urllib.parse import quote

    return prefix + "?" + "&".join(f"{name}={quote(value)}" for name, value in pairs if value)


def varied_paths(endpoint: Endpoint, seed: int, n: int) -> list[str]:
    """Up to ``n`` distinct paths from the endpoint's varied space (``--vary``), in drawing order."""
    draw, rng, seen = endpoint.varied or endpoint.path, random.Random(seed), {}
    for _ in range(n * 30):
        seen.setdefault(draw(rng), None)
        if len(seen) >= n:
            break
    return list(seen)


def run_endpoint_wrk(base: str, endpoint: Endpoint, auth: Auth, *, clients: int, duration: float, seed: int,
                     meter: CpuMeter | None = None, warm: float = 3.0, paths: list[str] | None = None,
                     warm_paths: list[str] | None = None) -> dict:
    """As :func:`run_endpoint`, with wrk as the load generator (C, a few % of a core): ``clients``
    connections, each sending its next request as soon as the previous answer arrived.

    ``paths`` (``--vary``): the measured requests' paths, each sent once while there are more
    requests than paths (wrk's two threads take a half each); ``warm_paths`` the warm-up's."""

    probe = _session(endpoint, auth)
    r = probe.get(base + endpoint.path(random.Random(seed)), timeout=300)
    problem = f"HTTP {r.status_code}" if r.status_code != 200 else (endpoint.check(r) if endpoint.check else None)
    if problem:
        raise SystemExit(f"{endpoint.name}: {problem} for {r.url}\n{r.text[:500]}")
    threads = max(1, min(2, clients))
    if not paths:
        rng = random.Random(seed * 1000)
        paths = [endpoint.path(rng) for _ in range(4000)]
    headers = dict(probe.headers)
    # As browsers and HTTP libraries do (the Python driver's requests sends the same).
    headers = {k: v for k, v in headers.items() if k in ("Authorization", "Accept", "Accept-Encoding")}
    if endpoint.kind != "api":
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in auth.web(endpoint.user).items())
    out = RESULTS / "wrk-result.json"

    def script(name: str, pool: list[str], distinct: bool) -> Path:
        file = RESULTS / name
        file.write_text(_WRK_SCRIPT % {
            "paths": ", ".join(_lua(p) for p in pool),
            "headers": ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in headers.items()),
            "out": str(out), "stride": max(1, len(pool) // threads) if distinct else 7919,
        })
        return file

    measured_script = script("wrk-script.lua", paths, warm_paths is not None)
    warm_script = script("wrk-warm.lua", warm_paths, True) if warm_paths else measured_script

    def wrk(seconds: float, file: Path = measured_script):
        return subprocess.run(["wrk", "-t", str(threads), "-c", str(clients),
                               "-d", f"{max(1, round(seconds))}s", "--timeout", "300s", "-s", str(file), base + "/"],
                              capture_output=True, text=True)

    if warm:  # the same load first, not measured (see the comment before run_endpoint)
        wrk(warm, warm_script)
    load_before = os.getloadavg()
    if meter:
        meter.start()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run = wrk(duration)
    if run.returncode != 0:
        raise SystemExit(f"wrk failed ({run.returncode}): {run.stdout[-500:]} {run.stderr[-500:]}")
    elapsed = time.perf_counter() - start
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = meter.stop() if meter else {}
    if cpu:
        # The driver's CPU is wrk's (a child process), not this process's.
        wrk_cpu = (children_after.ru_utime + children_after.ru_stime) - (children_before.ru_utime + children_before.ru_stime)
        cpu["other_cpu_s"] = round(max(0.0, cpu["other_cpu_s"] - wrk_cpu), 2)
        cpu["client_cpu_s"] = round(wrk_cpu, 2)
    load_after = os.getloadavg()
    stats = json.loads(out.read_text())
    errors = sum(stats[k] for k in ("errors_status", "errors_connect", "errors_read", "errors_write", "errors_timeout"))
    n = stats["requests"]
    seconds = stats["duration_us"] / 1e6 or elapsed
    result = {
        "name": endpoint.name, "kind": endpoint.kind, "user": endpoint.user, "note": endpoint.note,
        "example": endpoint.path(random.Random(seed)), "target_ms": endpoint.target_ms, "driver": "wrk",
        "requests": n - errors, "errors": errors,
        "error_samples": [f"{k}={stats[k]}" for k in stats if k.startswith("errors_") and stats[k]][:5],
        "p50_ms": round(stats["p50"] / 1000, 1), "p95_ms": round(stats["p95"] / 1000, 1),
        "p99_ms": round(stats["p99"] / 1000, 1), "max_ms": round(stats["max"] / 1000, 1),
        "mean_ms": round(stats["mean"] / 1000, 1), "rps": round(n / seconds, 1), "seconds": round(seconds, 1),
        "bytes": len(r.content), "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after], "clients": clients, "cpu": cpu,
    }
    if n and cpu:
        result["app_cpu_ms_per_req"] = round(cpu["app_cpu_s"] * 1000 / n, 1)
        result["db_cpu_ms_per_req"] = round(cpu["db_cpu_s"] * 1000 / n, 1)
    result["concurrency"] = concurrency(result)
    if warm_paths is not None:
        result["varied"] = {"distinct_paths": len(paths), "repeated_requests": max(0, n - len(paths))}
    result["met"] = n > 0 and not errors and result["p95_ms"] < endpoint.target_ms
    return result


class Writer:
    """Edits through the API at a steady rate (``--writes``) while an endpoint is measured.

    A read-only load answers nearly every list and search request from kept results; real
    users also edit. Every edit moves the version of the tables it wrote, so each kept answer
    built on them is computed again on its next request: the figures with writes show how the
    kept results hold up under that churn. The edits' own cost is part of the server's CPU
    measured for the endpoint (as it would be in production)."""

    def __init__(self, base: str, endpoint: Endpoint, auth: Auth, rate: float, seed: int):
        import requests

        self.base, self.endpoint, self.rate = base, endpoint, rate
        self.rng = random.Random(seed)
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Token {auth.token(endpoint.writer)}",
                                     "Accept": "application/json"})
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        interval, due = 1.0 / self.rate, time.perf_counter()
        while not self._stop.is_set():
            method, path, body = self.endpoint.write(self.rng)
            started = time.perf_counter()
            try:
                r = self.session.request(method, self.base + path, json=body, timeout=60)
                if r.status_code >= 300:
                    self.failures.append(f"{method} {path}: HTTP {r.status_code} {r.text[:200]}")
            except Exception as exc:  # noqa: BLE001 -- reported with the results
                self.failures.append(f"{method} {path}: {exc!r}")
            self.latencies.append((time.perf_counter() - started) * 1000)
            due += interval
            self._stop.wait(max(0.0, due - time.perf_counter()))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=120)

    def summary(self, seconds: float) -> dict:
        done = sorted(self.latencies)
        return {"per_second_asked": self.rate, "edits": len(done), "per_second": round(len(done) / seconds, 2),
                "failed": len(self.failures), "failures": self.failures[:3],
                "p50_ms": round(percentile(done, 50), 1) if done else None,
                "p95_ms": round(percentile(done, 95), 1) if done else None}


def run_all(base, endpoints: list[Endpoint], auth: Auth, args, server=None) -> list[dict]:
    """Each endpoint under ``args.clients`` concurrent clients, then alone (one client: the
    service time without queueing)."""
    only = [text for text in args.only if text.strip()]
    meter = CpuMeter(server.proc.pid if server else None, args.db)
    run_endpoint_ = run_endpoint_wrk if getattr(args, "driver", "python") == "wrk" else run_endpoint
    vary = getattr(args, "vary", False)
    if vary and run_endpoint_ is not run_endpoint_wrk:
        raise SystemExit("--vary needs the wrk driver")
    results = []
    for i, ep in enumerate(endpoints):
        if only and not any(text in ep.name for text in only):
            continue
        if server is not None:
            base = auth.base = server.ensure_running()
            meter.server_pid = server.proc.pid
        writes = args.writes if ep.write else 0
        pools = {}
        if vary:
            # Warm-up, measured run and the one-client run each get paths of their own, so
            # none answers another's request from kept results.
            drawn = varied_paths(ep, args.seed + i, 9000)
            pools = {"warm": drawn[:1000], "measured": drawn[1000:8000], "alone": drawn[8000:]}
            if len(pools["measured"]) < 3000:
                log(f"     {ep.name}: only {len(drawn)} distinct paths; the measured run may repeat some")
                pools = {"warm": drawn[: len(drawn) // 8], "measured": drawn[len(drawn) // 8:], "alone": None}
        started = time.perf_counter()
        with (Writer(base, ep, auth, writes, args.seed + i) if writes else contextlib.nullcontext()) as writer:
            res = run_endpoint_(base, ep, auth, clients=args.clients, duration=args.duration, seed=args.seed + i,
                                meter=meter, warm=args.warmup,
                                **({"paths": pools["measured"], "warm_paths": pools["warm"]} if vary else {}))
        if writer:
            res["writes"] = writer.summary(time.perf_counter() - started)
        if server is not None and server.proc.poll() is not None:
            log(f"gunicorn died during {ep.name}: measuring it again")
            base = auth.base = server.ensure_running()
            meter.server_pid = server.proc.pid
            res = run_endpoint_(base, ep, auth, clients=args.clients, duration=args.duration, seed=args.seed + i,
                                meter=meter, warm=args.warmup)
            res["server_restarted"] = True
        flag = "ok " if res["met"] else "MISS"
        log(f"{flag} {ep.name:<48} p50 {res['p50_ms']:>7.1f}  p95 {res['p95_ms']:>7.1f}  "
            f"{res['rps']:>6.1f} req/s  n={res['requests']} err={res['errors']}  "
            f"app {res.get('app_cpu_ms_per_req')} ms + db {res.get('db_cpu_ms_per_req')} ms CPU/req  "
            f"others {res['cpu'].get('other_cpu_s')} s  load1 {res['load_after'][0]}  "
            f"concurrency {res.get('concurrency')}"
            + ("  (STALL: latencies corrected for coordinated omission weigh in)"
               if (res.get("concurrency") or 0) > CONCURRENCY_FLAG else "")
            + (f"  paths {res['varied']['distinct_paths']} (repeated {res['varied']['repeated_requests']})"
               if res.get("varied") else "")
            + (f"  edits {res['writes']['per_second']}/s (p95 {res['writes']['p95_ms']} ms, "
               f"{res['writes']['failed']} failed)" if res.get("writes") else ""))
        if res.get("writes", {}).get("failed"):
            log(f"     edits failed: {res['writes']['failures']}")
        if args.serial_duration > 0:
            alone = run_endpoint_(base, ep, auth, clients=1, duration=args.serial_duration, seed=args.seed + i,
                                 meter=meter, warm=0,
                                 **({"paths": pools["alone"], "warm_paths": []} if pools.get("alone") else {}))
            res["alone"] = {k: alone[k] for k in ("p50_ms", "p95_ms", "rps", "requests", "errors",
                                                   "app_cpu_ms_per_req", "db_cpu_ms_per_req", "load_after")
                            if k in alone}
            log(f"     {'(1 client)':<48} p50 {alone['p50_ms']:>7.1f}  p95 {alone['p95_ms']:>7.1f}  "
                f"{alone['rps']:>6.1f} req/s")
        results.append(res)
    return results


# =========================================================================== in-process profile


def profile_endpoint(endpoint: Endpoint, seed: int, explain: bool) -> dict:
    """Serve one request of ``endpoint`` in-process and list its SQL: count, total, slowest."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from zhilian.accounts.models import User

    user = User.objects.get(username=endpoint.user)
    client = Client()
    headers = {}
    if endpoint.kind == "api":
        from zhilian.accounts.authentication import is_current

        # One left by an earlier run may be past its age or idle limit: then a new one.
        token = Token.objects.filter(user=user).first()
        if token is None or not is_current(token):
            Token.objects.filter(user=user).delete()
            token = Token.objects.create(user=user)
        headers["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    else:
        client.force_login(user)
    path = endpoint.path(random.Random(seed))
    client.get(path, **headers)  # warm caches as a running worker has them
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        response = client.get(path, **headers)
        total = (time.perf_counter() - t0) * 1000
    queries = [(float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries]
    queries.sort(key=lambda q: -q[0])
    sql_ms = sum(q[0] for q in queries)
    out = {"path": path, "status": response.status_code, "total_ms": round(total, 1), "queries": len(queries),
           "sql_ms": round(sql_ms, 1), "python_ms": round(total - sql_ms, 1),
           "slowest": [{"ms": round(ms, 1), "sql": sql[:1500]} for ms, sql in queries[:3]]}
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    for _ in range(3):
        client.get(path, **headers)
    prof.disable()
    stats = pstats.Stats(prof)
    by_file: dict[str, float] = {}
    for (filename, _line, _func), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        key = _area(filename)
        by_file[key] = by_file.get(key, 0.0) + tottime
    total_prof = sum(by_file.values()) or 1
    out["python_time_by_area_pct"] = {k: round(v * 100 / total_prof, 1)
                                      for k, v in sorted(by_file.items(), key=lambda kv: -kv[1])[:8]}
    if explain and queries and queries[0][1].lstrip().upper().startswith("SELECT"):
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + queries[0][1])
            out["explain"] = "\n".join(r[0] for r in cur.fetchall())
    return out


def _area(filename: str) -> str:
    """Group profiled functions: django/template, django_tables2, psycopg, zhilian/<app> …"""
    if "site-packages/" in filename:
        rest = filename.split("site-packages/", 1)[1].split("/")
        return "/".join(rest[:2]) if rest[0] == "django" else rest[0]
    if "/zhilian/" in filename:
        rest = filename.split("/zhilian/", 1)[1].split("/")
        return "zhilian/" + rest[0]
    return "stdlib/other"


def profile_all(endpoints, results, args) -> dict:
    if args.no_profile:
        return {}
    by_name = {r["name"]: r for r in results}
    profiles = {}
    for i, ep in enumerate(endpoints):
        if ep.name not in by_name:
            continue
        prof = profile_endpoint(ep, args.seed + i, explain=True)
        profiles[ep.name] = prof
        log(f"profile {ep.name:<44} {prof['total_ms']:>7.1f} ms, {prof['queries']} queries, "
            f"SQL {prof['sql_ms']} ms, slowest {prof['slowest'][0]['ms'] if prof['slowest'] else '-'} ms")
    return profiles


# =========================================================================== reporting


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
        cur.execute("SHOW shared_buffers")
        shared = cur.fetchone()[0]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
    except OSError:
        head = ""
    top = subprocess.run(["ps", "-eo", "pcpu,etime,args", "--sort=-pcpu"], capture_output=True, text=True).stdout
    # Which build served: pyenv's (no --enable-optimizations) or a distribution's. In process
    # Debian's python3.11 ran the institution page ~10 % faster; served, the two measured alike.
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "python_executable": sys.executable,
            "python_build": " ".join(platform.python_build()),
            "python_interpreter": os.path.realpath(sys.executable),
            "python_configure_args": sysconfig.get_config_var("CONFIG_ARGS") or "",
            "postgres": pg,
            "shared_buffers": shared, "git_head": head, "uptime": uptime(),
            "top_processes": [line[:160] for line in top.splitlines()[1:8]]}


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def markdown_table(results: list[dict]) -> str:
    """The results as a table; ``concurrency`` is recomputed for results written before it was
    recorded (see the comment before run_endpoint)."""
    clients = results[0]["clients"] if results else 0
    lines = ["| endpoint | p50 ms | p95 ms | req/s | target p95 | met? | 1 client p50 / p95 ms | "
             "CPU ms/req app + db | load 1-min | concurrency |",
             "|---|---:|---:|---:|---:|:---:|---:|---:|---|---:|"]
    for r in results:
        alone = r.get("alone", {})
        alone_txt = f"{alone['p50_ms']:.0f} / {alone['p95_ms']:.0f}" if alone else "—"
        cpu = f"{r.get('app_cpu_ms_per_req', float('nan')):.0f} + {r.get('db_cpu_ms_per_req', float('nan')):.0f}"
        level = r.get("concurrency") or concurrency(r)
        level_txt = "—" if level is None else (f"**{level:.2f}**" if level > CONCURRENCY_FLAG else f"{level:.2f}")
        edits = f" (with {r['writes']['per_second']} edits/s)" if r.get("writes") else ""
        if r.get("varied"):
            edits += f" (varied: {r['varied']['distinct_paths']} paths, {r['varied']['repeated_requests']} repeated)"
        lines.append(f"| {r['name']}{edits} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['rps']:.1f} | "
                     f"< {r['target_ms']:.0f} ms | {'yes' if r['met'] else '**no**'} | {alone_txt} | {cpu} | "
                     f"{r['load_before'][0]:.2f} → {r['load_after'][0]:.2f} | {level_txt} |")
    return f"{clients} concurrent clients\n\n" + "\n".join(lines)


def write_results(args, *, dataset: dict, results: list[dict], profiles: dict, info: dict, timings: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    payload = {"script": args.name, "at": datetime.datetime.now().isoformat(timespec="seconds"),
               "args": {k: v for k, v in vars(args).items()}, "machine": info, "dataset": dataset,
               "timings_s": timings, "results": results, "profiles": profiles}
    path = RESULTS / f"{args.name}-{stamp}.json"
    text = json.dumps(payload, ensure_ascii=False, indent=1, default=str)
    path.write_text(text)
    (RESULTS / f"{args.name}-latest.json").write_text(text)
    print()
    print(markdown_table(results))
    print()
    log(f"results written to {path.relative_to(ROOT)}")
    return path


def count_rows(models: dict) -> dict:
    return {label: model.objects.count() for label, model in models.items()}


def contains(*needles):
    """A check: the body contains every needle."""
    def check(response):
        missing = [n for n in needles if n not in response.text]
        return f"missing {missing}" if missing else None
    return check


def api_count_at_least(n: int = 1):
    def check(response):
        data = response.json()
        count = data.get("count") if isinstance(data, dict) else None
        if count is None and isinstance(data, dict) and "results" in data:
            count = sum(g.get("total", 0) for g in data["results"]) if data["results"] and "total" in data["results"][0] \
                else len(data["results"])
        return None if (count or 0) >= n else f"expected at least {n} rows, got {count}"
    return check


def finish(args, env):
    if not args.keep_db:
        from django.db import connections

        connections.close_all()
        drop_database(args.db)
        log(f"dropped database {args.db}")
    else:
        log(f"kept database {args.db} (rerun with --reuse-db to skip generation)")
