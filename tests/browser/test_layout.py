"""The top bar fits common laptop widths in both languages (PLT-10)."""

import pytest


@pytest.mark.req("PLT-10")
@pytest.mark.parametrize("width", [1280, 1366])
def test_the_top_bar_fits_without_scrolling_sideways_in_both_languages(login, site, shot, width):
    page = login("city")  # one of the roles with the most menus
    page.set_viewport_size({"width": width, "height": 800})
    for language in ("zh-hans", "en"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
        page.goto(f"{site}/")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == language
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{language}: the page scrolls sideways ({scroll_width} > {width})"
        # One line: every menu, the search box and the user menu visible inside the window.
        assert page.locator("nav.navbar").bounding_box()["height"] < 70, language
        for selector in ("[data-menu]", "#user-menu", "button[data-language]", "input.zl-search"):
            for box in (page.locator(selector).nth(i).bounding_box() for i in range(page.locator(selector).count())):
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (language, selector, box)
        shot(f"top-bar-{width}-{language}")
