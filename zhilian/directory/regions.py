"""Administrative regions used for validation and the in-province / out-of-province split."""

from django.utils.translation import gettext_lazy as _

# GB/T 2260 provincial-level divisions, by their full names.
PROVINCES = [
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市",
    "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省",
    "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省",
    "青海省", "宁夏回族自治区", "新疆维吾尔自治区", "台湾省", "香港特别行政区", "澳门特别行政区",
]
PROVINCE_CHOICES = [(p, p) for p in PROVINCES]

# The districts of the demo deployment's city; other cities enter theirs as free text.
XIAMEN_DISTRICTS = ["思明区", "湖里区", "集美区", "海沧区", "同安区", "翔安区"]

SIZE_HELP = _("Size class per the SME classification rules (工信部联企业〔2011〕300号).")
