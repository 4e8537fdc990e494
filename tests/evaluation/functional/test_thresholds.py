"""Reading threshold files: clear errors for malformed ones."""
import pytest

from tiny_action.evaluation import parse_thresholds


def test_bad_threshold_files(tmp_path):
    bad_json = tmp_path / 'bad.json'
    bad_json.write_text('{"thresholds": [0.5,')
    with pytest.raises(ValueError, match='not valid JSON'):
        parse_thresholds(str(bad_json))
    bad_txt = tmp_path / 'bad.txt'
    bad_txt.write_text('0.5\nhigh\n')
    with pytest.raises(ValueError, match='one float per line'):
        parse_thresholds(str(bad_txt))
