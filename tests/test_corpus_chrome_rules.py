"""The chrome rule file: sections, rule ids and zones checked on reading."""

import pytest
import yaml

from analysis import config
from analysis.corpus.chrome_rules import ZONES, load_chrome_rules


def test_line_rules_are_grouped_by_page_kind():
    kinds = {rule.kind for rule in load_chrome_rules().line_rules}
    assert {"docshare", "essay", "wechat", "reprint", "legal_db", "notice", "footer"} <= kinds


def test_a_rule_file_missing_a_section_is_refused_naming_it(tmp_path):
    raw = yaml.safe_load(config.CHROME_RULES_PATH.read_text(encoding="utf-8"))
    del raw["stamped_site"]
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="stamped_site"):
        load_chrome_rules(path)


def test_a_rule_with_an_unknown_zone_is_refused_naming_the_zones(tmp_path):
    raw = yaml.safe_load(config.CHROME_RULES_PATH.read_text(encoding="utf-8"))
    raw["line_rules"]["spam"][0]["zone"] = "middle"
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=", ".join(ZONES)):
        load_chrome_rules(path)

