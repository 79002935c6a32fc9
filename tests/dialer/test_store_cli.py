"""The command line's dialer commands against the test run's PostgreSQL, as a user runs them:
``callcenter leads import`` shows a progress bar and prints the counts and the error report's
path; ``callcenter dnc load`` loads a national list that lets a campaign start."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from crm_core.db import Database
from dialer.store import Campaigns
from tests.helpers.campaigns import fresh_numbers, leads_of, new_campaign
from tests.helpers.leadlists import write_csv

NAME = "Jürgen 张伟 😀"


def callcenter(database_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "CALLCENTER_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "callcenter.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)


async def test_leads_import_prints_progress_counts_and_the_report(
        db: Database, database_url: str, tmp_path: Path) -> None:
    campaign = await new_campaign(db)
    good, other = fresh_numbers(2)
    path = write_csv(tmp_path / "Kunden.csv", [
        ["Telefon", "Vorname", "Stufe"], [good, NAME, "gold"], ["123", "Bad", ""],
        [other, "Zweiter", ""], [good, "", ""]], delimiter=";")
    done = callcenter(database_url, tmp_path, "leads", "import", str(path), "--campaign", campaign,
                      "--map", "phone=Telefon,first_name=Vorname", "--map", "custom.tier=Stufe",
                      "--region", "GB")
    assert done.returncode == 0, done.stderr
    assert "importing Kunden.csv" in done.stdout and "114/114 bytes 4 rows" in done.stdout
    assert (f"of campaign {campaign}: 4 rows read, 2 leads loaded (0 on a do-not-call list, 0 in"
            " several time zones), 0 merged into the campaign's leads, 1 repeated in the file,"
            " 1 rejected; 0 linked to CRM customers (the others get theirs when first reached)"
            ) in done.stdout
    report = tmp_path / "dialer" / "reports"
    assert f"error report (1 lines): {report}/lead-list-" in done.stdout
    leads = await leads_of(db, campaign)
    assert (leads[good]["first_name"], leads[good]["custom"]) == (NAME, {"tier": "gold"})

    refused = callcenter(database_url, tmp_path, "leads", "import", str(path), "--campaign",
                         campaign, "--map", "phone=Phone")
    assert refused.returncode == 1 and "import refused: no column 'Phone'" in refused.stderr


async def test_dnc_load_lets_a_campaign_start(db: Database, database_url: str,
                                              tmp_path: Path) -> None:
    campaign = await new_campaign(db, rule_set="US")
    listed, = fresh_numbers(1, "+1212", 12)
    path = write_csv(tmp_path / "us-dnc.csv", [[listed[2:5], listed[5:]]])
    today = (await Campaigns(db).get(campaign)).created_at.date().isoformat()
    done = callcenter(database_url, tmp_path, "dnc", "load", str(path), "--country", "us",
                      "--released", today)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"national do-not-call list for US released {today}: 1 numbers")
    assert (await Campaigns(db).change_state(campaign, "start")).state == "running"
