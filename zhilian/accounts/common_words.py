"""Words that passwords in China are most often built on (SEC-01).

``CommonWordValidator`` refuses a password whose letters are nothing but one of these
(after undoing look-alike substitutions such as 0 → o, @ → a), with digits and symbols
around it: ``Admin@123``, ``P@ssw0rd123``, ``Huawei@123``, ``Woaini1314!``. Django's
``CommonPasswordValidator`` still checks the whole password against its breach list.

Sources: the most frequent bases in published Chinese and English password-leak analyses
(CSDN 2011, 12306 2014, RockYou) and the default passwords of common equipment and
software; plus words of this platform's own field. All lower case, letters only.
"""

_ENGLISH = """
password passwd passw pass pwd admin administrator adm root super superuser sysadmin system
manager master test tester testing guest user username login logon welcome hello hi
changeme default temp temporary demo sample example secret private access letmein
qwerty qwert qwertyuiop asdf asdfg asdfgh asdfghjkl zxcv zxcvb zxcvbn zxcvbnm qaz qazwsx
qazwsxedc wsx edc abc abcd abcde abcdef abcdefg abcdefgh aaa aaaa aaaaaa xyz
iloveyou iloveu love lover monkey dragon shadow sunshine princess football baseball
basketball soccer superman batman starwars trustno whatever freedom flower computer
internet server database oracle mysql postgres sql cisco huawei xiaomi alibaba tencent
baidu lenovo apple google microsoft windows linux ubuntu office company china chinese
security secure support service office account network wifi router
spring summer autumn winter monday sunday january february march april may june july
august september october november december michael jordan jennifer charlie
killer hunter ranger thomas robert daniel jessica ashley
"""

_PINYIN = """
woaini woaiwojia woainia aini aiwo wojia nihao nihaoma zhongguo aiguo zhonghua
zhangsan lisi wangwu zhaoliu sunqi zhouba wujiu zhengshi xiaoming xiaohong xiaohua
zhangwei wangwei wangfang liwei lina zhangmin lijing wangjing liuwei wangxiuying
zhangli lixiuying wangli zhangjing zhangxiuying liqiang wangmin lijun zhanghua
laogong laopo baobao baobei tiantian kuaile xingfu pingan fuqi
mima mimaa guanliyuan guanli yonghu ceshi kaifa zhanghao denglu xitong anquan shenji
fuwu kefu caiwu renshi bangong zhijian zhiliang jiance jianyan biaozhun jiliang renzheng
shichang jianguan shijian qiye gongsi jituan zhengfu xiamen fujian fuzhou quanzhou
beijing shanghai guangzhou shenzhen hangzhou nanjing wuhan chengdu
"""

COMMON_WORDS = frozenset((_ENGLISH + _PINYIN).split())
