"""What the needs tests share."""

from zhilian.needs import services


def file_need(user, **overrides):
    """A testing need filed by ``user`` for its own enterprise (``overrides`` change fields)."""
    data = {"enterprise": user.organization, "category": "testing", "title": "偏光片耐候性第三方检测",
            "description": "出口客户要求高温高湿 500 h 试验，需第三方报告。", "product": "偏光片",
            "contact_name": "刘工", "contact_phone": "13906050006"}
    data.update(overrides)
    return services.need_file(user=user, **data)
