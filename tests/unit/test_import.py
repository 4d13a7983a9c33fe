"""CSV import: presets, tolerant reading, errors with their lines, idempotence, dry run, skip-bad, volume."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pendulum
import pytest

from cockpit.cli import main
from cockpit.core.importing import ImportFailed, import_file, normalize_header, parse_month, read_csv
from cockpit.core.store import Store

NOW = pendulum.datetime(2026, 3, 1, 12, tz="UTC").timestamp()


def utc(*args: int) -> int:
    return int(pendulum.datetime(*args, tz="UTC").timestamp())


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "t.db", create=True, user="tester", now=lambda: NOW)
    yield s
    s.close()


def write(tmp_path: Path, text: str, *, name: str = "in.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def deals(store: Store) -> dict[str, sqlite3.Row]:
    rows = store.query(
        "SELECT d.*, r.name AS rep, a.name AS account, a.segment AS segment FROM deals d"
        " JOIN reps r ON r.id = d.rep_id LEFT JOIN accounts a ON a.id = d.account_id"
    )
    return {r["title"]: r for r in rows}


def dump(db: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    out = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}
    conn.close()
    return out


# ---------------------------------------------------------------------------------------------- presets


def test_pipedrive_preset(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Deal - ID,Deal - Title,Deal - Value,Deal - Owner,Deal - Organization,Deal - Stage,Deal - Status,"
        "Deal - Won time,Deal - Lost time,Deal - Deal created,Deal - Expected close date,Deal - Lost reason\n"
        "11,Acme renewal,12500,Ana Diaz,Acme,Negotiations Started,won,2026-02-10 15:00:00,,2026-01-05 09:00:00,,\n"
        '12,Globex pilot,"3,000",Ben Li,Globex,Proposal Made,lost,,2026-02-12 10:00:00,2026-01-06 09:00:00,,'
        "Price\n"
        "13,Initech,800,Ana Diaz,Initech,Contact Made,open,,,2026-01-07 09:00:00,2026-04-30,\n",
    )
    result = import_file(store, "deals", path, preset="pipedrive", tz="UTC")
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert sorted(result.new_reps) == ["Ana Diaz", "Ben Li"]
    d = deals(store)
    # Status decides won/lost; the stage column only says where an open deal stands.
    assert d["Acme renewal"]["stage"] == "won"
    assert d["Acme renewal"]["closed_at"] == utc(2026, 2, 10, 15)
    assert d["Acme renewal"]["amount"] == 1_250_000  # 12,500.00 in cents
    assert d["Acme renewal"]["external_id"] == "11"
    assert d["Globex pilot"]["stage"] == "lost"
    assert d["Globex pilot"]["closed_at"] == utc(2026, 2, 12, 10)  # from "Lost time", the second close column
    assert d["Globex pilot"]["lost_reason"] == "Price"
    assert d["Initech"]["stage"] == "qualified"  # Contact Made
    assert d["Initech"]["qualified_at"] == utc(2026, 1, 7, 9)  # past lead: qualified when created
    assert d["Initech"]["expected_close"] == utc(2026, 4, 30)
    assert d["Initech"]["closed_at"] is None


def test_hubspot_preset(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Record ID,Deal Name,Deal Stage,Amount,Close Date,Deal owner,Create Date,Associated Company,Pipeline,"
        "Deal Type\n"
        '901,Big one,closedwon,"$12,400.00",2026-02-20,Cara Moe,2026-01-02,Umbrella,Sales Pipeline,newbusiness\n'
        "902,Small one,Qualified To Buy,950,2026-05-31,Cara Moe,2026-01-03,Umbrella,Sales Pipeline,\n"
        "903,Gone,Closed Lost,100,2026-02-01,Dan Ray,2026-01-04,Hooli,Sales Pipeline,\n",
    )
    result = import_file(store, "deals", path, preset="hubspot", tz="UTC")
    assert result.created == 3
    assert result.new_accounts == ["Umbrella", "Hooli"]
    d = deals(store)
    # "Close Date" feeds two fields: the close date of the won deal and the expected close of the open one.
    assert (d["Big one"]["stage"], d["Big one"]["closed_at"], d["Big one"]["expected_close"]) == (
        "won",
        utc(2026, 2, 20),
        None,
    )
    assert d["Big one"]["amount"] == 1_240_000
    assert d["Big one"]["segment"] == "newbusiness"
    assert (d["Small one"]["stage"], d["Small one"]["closed_at"], d["Small one"]["expected_close"]) == (
        "qualified",
        None,
        utc(2026, 5, 31),
    )
    assert d["Gone"]["stage"] == "lost"
    assert d["Gone"]["lost_reason"] == "unknown"  # lost without a reason column, as a hand-entered loss needs one


def test_salesforce_preset(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Opportunity Name,Stage,Amount,Close Date,Opportunity Owner,Account Name,Lead Source,Created Date,"
        "Opportunity ID,Probability (%)\n"
        "Edge install,Needs Analysis,5000,3/31/2026,Eve Sol,Edge Corp,Web,1/15/2026,006A,20\n"
        'Burlington,Closed Won,"$7,500.00",2/28/2026,Eve Sol,Burlington,Partner,1/10/2026,006B,100\n'
        "Pyramid,Prospecting,1000,4/30/2026,Fay Wu,Pyramid,Web,1/20/2026,006C,10\n",
    )
    result = import_file(store, "deals", path, preset="salesforce", tz="UTC")
    assert result.created == 3
    d = deals(store)
    assert d["Edge install"]["stage"] == "qualified"
    assert d["Edge install"]["probability"] == pytest.approx(0.20)  # "20" in a Probability (%) column
    assert d["Edge install"]["source"] == "Web"
    assert d["Edge install"]["qualified_at"] == utc(2026, 1, 15)
    assert d["Burlington"]["stage"] == "won"
    assert d["Burlington"]["closed_at"] == utc(2026, 2, 28)  # month first: 2/28/2026
    assert d["Pyramid"]["stage"] == "lead"
    assert d["Pyramid"]["qualified_at"] is None


def test_zoho_preset_semicolons_and_euro_amounts(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Deal Name;Amount;Stage;Closing Date;Deal Owner;Account Name;Lead Source;Created Time;Record Id\n"
        "Alpha;1.200,50 €;Closed Won;2026-02-03;Gil Ho;Alpha SA;Trade Show;2026-01-08 10:00:00;Z1\n"
        "Beta;300;Closed-Lost to Competition;2026-02-04;Gil Ho;Beta SA;;2026-01-09 10:00:00;Z2\n"
        "Gamma;2500;Identify Decision Makers;2026-06-30;Hal Ek;Gamma SA;Web;2026-01-10 10:00:00;Z3\n",
    )
    with Store(tmp_path / "z.db", create=True, now=lambda: NOW) as s:
        result = import_file(s, "deals", path, preset="zoho", currency="EUR", tz="UTC")
        d = deals(s)
    assert result.created == 3
    assert (d["Alpha"]["stage"], d["Alpha"]["amount"]) == ("won", 120_050)  # 1.200,50 € = 120,050 cents
    assert d["Beta"]["stage"] == "lost"
    assert d["Gamma"]["stage"] == "proposal"
    assert d["Gamma"]["external_id"] == "Z3"


# ---------------------------------------------------------------------------------------------- reading


def test_headers_are_normalised() -> None:
    assert normalize_header("Deal \u2013 Title") == normalize_header("deal-title") == "deal-title"
    assert normalize_header("\ufeffEXPECTED_CLOSE") == "expected close"
    assert normalize_header("  Close  Date / Expected Close Date ") == "close date/expected close date"


def test_bom_cp1252_blank_rows_and_unnamed_columns(store: Store, tmp_path: Path) -> None:
    utf8 = write(tmp_path, "\ufefftitle,rep,created,amount,\nA,Ann,2026-01-05,10,$\n,,,,\n\n,,,,$\n", name="a.csv")
    table = read_csv(utf8)
    assert (table.headers[0], table.encoding) == ("title", "utf-8")  # the BOM is dropped, not part of the name
    result = import_file(store, "deals", utf8, tz="UTC")
    # The row holding only "$" under the unnamed column is blank for us.
    assert (result.rows, result.created) == (1, 1)
    latin = write(
        tmp_path,
        "Title;Rep;Created;Account\nCaf\xe9 deal;Zo\xeb;05/01/2026;Soci\xe9t\xe9 G\xe9n\xe9rale\n",
        name="b.csv",
        encoding="cp1252",
    )
    assert read_csv(latin).encoding == "cp1252"
    import_file(store, "deals", latin, tz="UTC", date_format="dmy")
    d = deals(store)
    assert d["Café deal"]["account"] == "Société Générale"
    assert d["Café deal"]["rep"] == "Zoë"
    assert d["Café deal"]["created_at"] == utc(2026, 1, 5)  # day first, as asked


def test_month_forms() -> None:
    assert parse_month("2026-01") == parse_month("01/2026") == parse_month("Jan 2026") == "2026-01"
    assert parse_month("2026-03-15") == "2026-03"


# ---------------------------------------------------------------------------------------------- errors


BAD = (
    "title,rep,created,amount,stage,note\n"
    'Good,Ann,2026-01-05,100,lead,"two\nlines"\n'  # lines 2-3
    "Bad amount,Ann,2026-01-05,12x,lead,\n"  # line 4
    "Bad date,Ann,2026-13-45,100,lead,\n"  # line 5
    "Bad stage,Ann,2026-01-05,100,Maybe,\n"  # line 6
    "\n"  # line 7, blank
    "No rep,,2026-01-05,100,lead,\n"  # line 8
    "Fine,Bob,2026-01-06,200,won,\n"  # line 9: won without a close date
)


def test_malformed_rows_are_reported_with_line_and_column_and_nothing_is_written(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, BAD)
    before = dump(store.path)
    with pytest.raises(ImportFailed) as caught:
        import_file(store, "deals", path, tz="UTC")
    got = [(e.line, e.column) for e in caught.value.errors]
    assert got == [(4, "amount"), (5, "created"), (6, "stage"), (8, "rep"), (9, None)]
    assert "12x" in caught.value.errors[0].reason
    assert "Maybe" in caught.value.errors[2].reason
    assert "close date" in caught.value.errors[4].reason
    assert dump(store.path) == before  # not even the good row nor its new rep


def test_rows_dated_after_the_clock_are_refused_where_they_record_what_was_done(store: Store, tmp_path: Path) -> None:
    # The store's clock is 2026-03-01 12:00 UTC: a call on 2026-03-02 and a win on 2026-04-01 have not happened;
    # an expected close in April is a plan and is kept.
    deals_csv = write(
        tmp_path,
        "title,rep,created,closed,expected_close,amount,stage\n"
        "Planned,Ann,2026-02-01,,2026-04-30,100,proposal\n"  # line 2
        "Won ahead,Ann,2026-02-01,2026-04-01,,100,won\n"  # line 3
        "Made ahead,Ann,2026-03-05,,,100,lead\n",  # line 4
        name="d.csv",
    )
    before = dump(store.path)
    with pytest.raises(ImportFailed) as caught:
        import_file(store, "deals", deals_csv, tz="UTC")
    assert [(e.line, e.column) for e in caught.value.errors] == [(3, "closed"), (4, "created")]
    assert "close date is in the future" in caught.value.errors[0].reason
    assert dump(store.path) == before
    acts = write(tmp_path, "kind,rep,at\ncall,Ann,2026-03-01 12:10\ncall,Ann,2026-03-02 09:00\n", name="a.csv")
    with pytest.raises(ImportFailed) as caught:
        import_file(store, "activities", acts, tz="UTC")
    assert [(e.line, e.column) for e in caught.value.errors] == [(3, "at")]  # 12:10 is within the slack
    assert dump(store.path) == before


def test_skip_bad_imports_the_readable_rows(store: Store, tmp_path: Path) -> None:
    result = import_file(store, "deals", write(tmp_path, BAD), tz="UTC", skip_bad=True)
    assert (result.rows, result.created) == (6, 1)
    assert [e.line for e in result.skipped] == [4, 5, 6, 8, 9]
    assert list(deals(store)) == ["Good"]
    assert result.new_reps == ["Ann"]  # Bob's only row was bad: no rep left behind


def test_cli_reports_each_bad_row_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, BAD)
    db = tmp_path / "cli.db"
    code = main(["import", "deals", str(path), "--db", str(db)])
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert sum("line" in line for line in err) == 5
    assert any("line 4, column 'amount'" in line for line in err)
    assert not db.exists()  # the database it would have created is gone again


def test_unknown_map_column_is_a_clear_error(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "Name,Owner,When\nA,Ann,2026-01-01\n")
    with pytest.raises(Exception, match="no column 'Nope'"):
        import_file(store, "deals", path, mapping=[("created", "Nope")])
    with pytest.raises(Exception, match="no column for created"):
        import_file(store, "deals", path)


# ---------------------------------------------------------------------------------------------- repeatability


def test_reimport_changes_nothing_then_updates_what_changed(store: Store, tmp_path: Path) -> None:
    text = (
        "Record ID,Deal Name,Deal Stage,Amount,Close Date,Deal owner,Create Date\n"
        "1,One,closedwon,100,2026-02-01,Ann,2026-01-01\n"
        "2,Two,qualifiedtobuy,200,2026-03-01,Ann,2026-01-02\n"
    )
    path = write(tmp_path, text)
    import_file(store, "deals", path, preset="hubspot", tz="UTC")
    before = dump(store.path)
    again = import_file(store, "deals", path, preset="hubspot", tz="UTC")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert dump(store.path) == before
    # Deal 2 is won now, for 250.
    write(tmp_path, text.replace("2,Two,qualifiedtobuy,200", "2,Two,closedwon,250"))
    third = import_file(store, "deals", path, preset="hubspot", tz="UTC")
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    two = deals(store)["Two"]
    assert (two["stage"], two["amount"], two["closed_at"]) == ("won", 25_000, utc(2026, 3, 1))
    history = store.query("SELECT from_stage, to_stage FROM stage_history WHERE deal_id = ? ORDER BY id", (two["id"],))
    assert [tuple(h) for h in history] == [(None, "qualified"), ("qualified", "won")]


def test_natural_key_without_external_id(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "title,account,rep,created,amount\nX,Acme,Ann,2026-01-01,5\nX,Acme,Ann,2026-01-02,5\n")
    first = import_file(store, "deals", path, tz="UTC")
    second = import_file(store, "deals", path, tz="UTC")
    # Same title, account and rep but another created date: two deals.
    assert (first.created, second.created, second.unchanged) == (2, 0, 2)


def test_dry_run_writes_nothing(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "title,rep,created,account\nA,Ann,2026-01-01,Acme\nB,Bob,2026-01-01,Acme\n")
    before = dump(store.path)
    result = import_file(store, "deals", path, tz="UTC", dry_run=True)
    assert (result.created, result.new_reps, result.new_accounts) == (2, ["Ann", "Bob"], ["Acme"])
    assert dump(store.path) == before


def test_stage_map(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path, "title,rep,created,stage,closed\nA,Ann,2026-01-01,Signed,2026-01-09\nB,Ann,2026-01-01,Pitch,\n"
    )
    with pytest.raises(ImportFailed):
        import_file(store, "deals", path, tz="UTC")
    import_file(store, "deals", path, tz="UTC", stage_map=[("signed", "won"), ("PITCH", "proposal")])
    d = deals(store)
    assert (d["A"]["stage"], d["B"]["stage"]) == ("won", "proposal")


# ---------------------------------------------------------------------------------------------- other kinds


def test_reps_activities_costs_quotas(store: Store, tmp_path: Path) -> None:
    reps = write(
        tmp_path,
        # Mo is this store's user: the re-import and the costs and quotas below are a manager's to make.
        "name,team,region,unix_login,role,active\nAnn,East,NE,ann,rep,yes\nMo,East,,tester,manager,no\n",
        name="r.csv",
    )
    assert import_file(store, "reps", reps).created == 2
    assert import_file(store, "reps", reps).unchanged == 2
    mo = store.rep_by_name("Mo")
    assert (mo.role, mo.active, mo.unix_login) == ("manager", False, "tester")
    import_file(
        store,
        "deals",
        write(tmp_path, "external_id,title,rep,created\nD1,Deal one,Ann,2026-01-01\n", name="d.csv"),
        tz="UTC",
    )
    acts = write(
        tmp_path,
        "Type,Owner,Deal,Date,Duration,Notes\nPhone call,Ann,D1,2026-01-02 10:00,12m,first\n"
        "E-mail,Ann,Deal one,2026-01-03 10:00,,\nMeeting,Ann,,2026-01-04 10:00,1h,\n",
        name="a.csv",
    )
    first = import_file(store, "activities", acts, tz="UTC")
    assert first.created == 3
    assert import_file(store, "activities", acts, tz="UTC").unchanged == 3
    rows = store.query("SELECT kind, deal_id, duration_s, at FROM activities ORDER BY at")
    deal_id = deals(store)["Deal one"]["id"]
    assert [tuple(r) for r in rows] == [
        ("call", deal_id, 720, utc(2026, 1, 2, 10)),
        ("email", deal_id, None, utc(2026, 1, 3, 10)),  # found by title
        ("meeting", None, 3600, utc(2026, 1, 4, 10)),
    ]
    costs = write(
        tmp_path, 'month,category,channel,amount\n2026-01,marketing,ads,"1,000"\nJan 2026,sales,,500\n', name="c.csv"
    )
    assert import_file(store, "costs", costs).created == 2
    assert import_file(store, "costs", costs).unchanged == 2
    assert store.query("SELECT sum(amount) FROM costs")[0][0] == 150_000  # 1,000 + 500 in cents
    quotas = write(
        tmp_path, "rep,team,month,amount\nAnn,,2026-01,5000\n,East,2026-01,9000\nNew Rep,,2026-02,1\n", name="q.csv"
    )
    q = import_file(store, "quotas", quotas)
    assert (q.created, q.new_reps) == (3, ["New Rep"])
    assert import_file(store, "quotas", quotas).unchanged == 3


# ---------------------------------------------------------------------------------------------- volume


def test_a_large_import_is_one_run_with_every_history_and_audit_row(store: Store, tmp_path: Path) -> None:
    # 5,000 rows: five progress calls (one per 1,000 rows) and the last; the import has no other step that depends on
    # the volume (one executemany per table). docs/IMPORT.md gives the measured time of 100,000.
    stages = ["lead", "qualified", "proposal", "won", "lost"]
    lines = ["external_id,title,rep,account,stage,amount,created,closed"]
    for i in range(5_000):
        stage = stages[i % 5]
        closed = "2026-02-01" if stage in ("won", "lost") else ""
        lines.append(
            f"X{i},Deal {i},Rep {i % 50},Account {i % 2000},{stage},{i % 997}.50,2026-01-{1 + i % 28:02d},{closed}"
        )
    path = write(tmp_path, "\n".join(lines) + "\n")
    calls: list[tuple[int, int]] = []
    result = import_file(store, "deals", path, tz="UTC", progress=lambda done, total: calls.append((done, total)))
    assert (result.rows, result.created) == (5_000, 5_000)
    assert (len(result.new_reps), len(result.new_accounts)) == (50, 2000)
    assert store.query("SELECT count(*) FROM deals")[0][0] == 5_000
    # 1,000 won deals: 1,000 * 2 history rows (created, closed); same for lost; 3,000 open deals: one row each.
    assert store.query("SELECT count(*) FROM stage_history")[0][0] == 7_000
    # One summary row, then one row per row written: 5,000 deals, 50 reps and 2,000 accounts.
    audit = store.query("SELECT count(*), count(row_id) FROM audit_log WHERE action = 'import deals'")[0]
    assert tuple(audit) == (1 + 5_000 + 50 + 2000, 5_000 + 50 + 2000)
    assert [done for done, _total in calls] == [1000, 2000, 3000, 4000, 5000, 5000]
    assert {total for _done, total in calls} == {5_000}


# ---------------------------------------------------------------------------------------------- opportunities


def history(store: Store, title: str) -> list[tuple[str | None, str, int]]:
    rows = store.query(
        "SELECT h.from_stage, h.to_stage, h.at FROM stage_history h JOIN deals d ON d.id = h.deal_id"
        " WHERE d.title = ? ORDER BY h.id",
        (title,),
    )
    return [tuple(r) for r in rows]


CLOSED = (
    "external_id,title,rep,stage,amount,created,closed\n"
    "1,Won one,Ann,won,100,2026-01-05,2026-02-01\n"
    "2,Lost one,Ann,lost,100,2026-01-06,2026-02-02\n"
    "3,Open lead,Ann,lead,100,2026-01-07,\n"
    "4,Open proposal,Ann,proposal,100,2026-01-08,\n"
)


def test_won_and_lost_deals_alike_are_opportunities_from_their_created_date(store: Store, tmp_path: Path) -> None:
    import_file(store, "deals", write(tmp_path, CLOSED), tz="UTC")
    d = deals(store)
    # Every deal that reached the pipeline counts, won or lost; only the row whose own stage is lead does not.
    assert d["Won one"]["qualified_at"] == utc(2026, 1, 5)
    assert d["Lost one"]["qualified_at"] == utc(2026, 1, 6)
    assert d["Open proposal"]["qualified_at"] == utc(2026, 1, 8)
    assert d["Open lead"]["qualified_at"] is None
    # The history says the same: the lost deal was lost from qualified, as the won one was won from it.
    assert history(store, "Lost one") == [(None, "qualified", utc(2026, 1, 6)), ("qualified", "lost", utc(2026, 2, 2))]
    assert history(store, "Won one") == [(None, "qualified", utc(2026, 1, 5)), ("qualified", "won", utc(2026, 2, 1))]


def test_lost_from_lead_option(store: Store, tmp_path: Path) -> None:
    import_file(store, "deals", write(tmp_path, CLOSED), tz="UTC", lost_from_lead=True)
    d = deals(store)
    assert d["Lost one"]["qualified_at"] is None
    assert history(store, "Lost one") == [(None, "lead", utc(2026, 1, 6)), ("lead", "lost", utc(2026, 2, 2))]
    assert d["Won one"]["qualified_at"] == utc(2026, 1, 5)  # a won deal left lead, whatever the option says
    assert d["Open proposal"]["qualified_at"] == utc(2026, 1, 8)


def test_a_qualified_column_or_a_history_cell_says_a_lost_deal_never_qualified(store: Store, tmp_path: Path) -> None:
    text = (
        "title,rep,stage,amount,created,closed,qualified,history\n"
        "Empty cell,Ann,lost,1,2026-01-05,2026-02-01,,\n"
        "Dated,Ann,lost,1,2026-01-05,2026-02-01,2026-01-10,\n"
        "Won blank,Ann,won,1,2026-01-05,2026-02-01,,\n"
        "From lead,Ann,lost,1,2026-01-05,2026-02-01,,lead@2026-01-05T00:00:00Z>lost@2026-02-01T00:00:00Z\n"
        "Via qualified,Ann,lost,1,2026-01-05,2026-02-01,,"
        "lead@2026-01-05T00:00:00Z>qualified@2026-01-12T00:00:00Z>lost@2026-02-01T00:00:00Z\n"
        "Won from lead,Ann,won,1,2026-01-05,2026-02-01,,lead@2026-01-05T00:00:00Z>won@2026-02-01T00:00:00Z\n"
    )
    import_file(store, "deals", write(tmp_path, text), tz="UTC")
    d = deals(store)
    assert d["Empty cell"]["qualified_at"] is None  # the file has the column and leaves it empty: never qualified
    assert d["Dated"]["qualified_at"] == utc(2026, 1, 10)
    assert d["Won blank"]["qualified_at"] == utc(2026, 1, 5)  # a won deal was qualified, at the latest when created
    assert d["From lead"]["qualified_at"] is None
    assert d["Via qualified"]["qualified_at"] == utc(2026, 1, 12)  # when the history says it left lead
    assert d["Won from lead"]["qualified_at"] == utc(2026, 2, 1)  # left lead when won, as the store would say


def test_reimport_reads_lost_deals_again_and_their_synthesized_history_follows(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, CLOSED)
    import_file(store, "deals", path, tz="UTC", lost_from_lead=True)
    lead_history = history(store, "Lost one")
    # The same file without the option: the lost deal is an opportunity now, and its history says so.
    result = import_file(store, "deals", path, tz="UTC")
    assert (result.updated, result.unchanged, result.history_replaced) == (1, 3, 1)
    assert deals(store)["Lost one"]["qualified_at"] == utc(2026, 1, 6)
    assert history(store, "Lost one") == [(None, "qualified", utc(2026, 1, 6)), ("qualified", "lost", utc(2026, 2, 2))]
    assert import_file(store, "deals", path, tz="UTC").unchanged == 4
    # And back with the option: the option is the file's word for its lost deals.
    back = import_file(store, "deals", path, tz="UTC", lost_from_lead=True)
    assert (back.updated, back.history_replaced) == (1, 1)
    assert history(store, "Lost one") == lead_history
    assert deals(store)["Lost one"]["qualified_at"] is None


def test_reimport_leaves_a_history_of_its_own_alone(store: Store, tmp_path: Path) -> None:
    lost = write(tmp_path, "external_id,title,rep,stage,created\n9,Handmade,Ann,lead,2026-01-05\n", name="lead.csv")
    import_file(store, "deals", lost, tz="UTC")
    deal_id = deals(store)["Handmade"]["id"]
    store.move_deal(deal_id, "lost", at=utc(2026, 2, 3, 10), reason="budget")  # lost from lead, by hand
    own = history(store, "Handmade")
    closed = write(tmp_path, "external_id,title,rep,stage,created,closed\n9,Handmade,Ann,lost,2026-01-05,2026-02-03\n")
    result = import_file(store, "deals", closed, tz="UTC")
    # The file reads it as an opportunity; the stored history is not one an import wrote (it was lost at 10:00,
    # not at the file's midnight), so it stays as the people who moved it wrote it.
    assert (result.updated, result.history_replaced) == (1, 0)
    assert deals(store)["Handmade"]["qualified_at"] == utc(2026, 1, 5)
    assert history(store, "Handmade") == own


def test_cli_lost_from_lead(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.db"
    assert main(["import", "deals", str(write(tmp_path, CLOSED)), "--db", str(db), "--lost-from-lead"]) == 0
    with Store(db) as s:
        assert s.query("SELECT qualified_at FROM deals WHERE title = 'Lost one'")[0][0] is None
    capsys.readouterr()
    acts = write(tmp_path, "kind,rep,at\ncall,Ann,2026-01-02\n", name="a.csv")
    assert main(["import", "activities", str(acts), "--db", str(db), "--lost-from-lead"]) == 2
    assert "--lost-from-lead is about deals" in capsys.readouterr().err
    assert main(["import", "deals", str(write(tmp_path, CLOSED)), "--db", str(db), "--outcome-map", "a=sent"]) == 2
    assert "--outcome-map is about activities" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------- titles


def test_a_deal_without_a_title_is_named_by_its_account_product_or_external_id(store: Store, tmp_path: Path) -> None:
    text = (
        "Opportunity ID,Company,Product,Owner,Created\n"
        "X1,Acme,Widgets,Ann,2026-01-05\n"
        "X2,,Gadgets,Ann,2026-01-05\n"
        "X3,,,Ann,2026-01-05\n"
        ",,,Ann,2026-01-06\n"  # line 5: nothing names it
    )
    result = import_file(store, "deals", write(tmp_path, text), tz="UTC", skip_bad=True)
    assert result.created == 3
    assert [(e.line, e.reason) for e in result.skipped] == [
        (5, "nothing names the deal: its title, account, product and external id are all empty")
    ]
    titles = {r["external_id"]: (r["title"], r["account"], r["product"]) for r in deals(store).values()}
    assert titles == {"X1": ("Acme", "Acme", "Widgets"), "X2": ("Gadgets", None, "Gadgets"), "X3": ("X3", None, "")}
    again = import_file(store, "deals", write(tmp_path, text), tz="UTC", skip_bad=True)
    assert again.unchanged == 3


def test_an_export_with_only_a_product_column_imports(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "product,rep,created\nSupport plan,Ann,2026-01-05\n")
    assert import_file(store, "deals", path, tz="UTC").created == 1
    assert list(deals(store)) == ["Support plan"]
    nothing = write(tmp_path, "rep,created,amount\nAnn,2026-01-05,10\n", name="n.csv")
    with pytest.raises(Exception, match="no column for title or account or product or external_id"):
        import_file(store, "deals", nothing, tz="UTC")


# ---------------------------------------------------------------------------------------------- outcomes


def test_activity_outcomes_are_the_kinds_own(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Type,Owner,Date,Outcome\n"
        "Email,Ann,2026-01-02 10:00,Sent\n"
        "Email,Ann,2026-01-02 11:00,replied\n"
        "Meeting,Ann,2026-01-02 12:00,Completed\n"  # HubSpot's word for a meeting held
        "Meeting,Ann,2026-01-02 13:00,No Show\n"
        "Phone call,Ann,2026-01-02 14:00,Left voicemail\n"
        "Call,Ann,2026-01-02 15:00,CONNECTED\n"
        "Note,Ann,2026-01-02 16:00,\n",
    )
    assert import_file(store, "activities", path, tz="UTC").created == 7
    got = [tuple(r) for r in store.query("SELECT kind, outcome FROM activities ORDER BY at")]
    assert got == [
        ("email", "sent"),
        ("email", "replied"),
        ("meeting", "held"),
        ("meeting", "no-show"),
        ("call", "voicemail"),
        ("call", "connected"),
        ("note", ""),
    ]


def test_an_outcome_of_another_kind_is_a_row_error(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "kind,rep,at,outcome\n"
        "email,Ann,2026-01-02,connected\n"  # line 2
        "meeting,Ann,2026-01-02,voicemail\n"  # line 3
        "note,Ann,2026-01-02,held\n"  # line 4
        "call,Ann,2026-01-02,Left live message\n",  # line 5
    )
    before = dump(store.path)
    with pytest.raises(ImportFailed) as caught:
        import_file(store, "activities", path, tz="UTC")
    errors = caught.value.errors
    assert [(e.line, e.column) for e in errors] == [(2, "outcome"), (3, "outcome"), (4, "outcome"), (5, "outcome")]
    assert errors[0].reason.startswith(
        "unknown outcome 'connected' for an email (an email's outcomes: sent, replied, bounced)"
    )
    assert "a meeting's outcomes: held, no-show, rescheduled, cancelled" in errors[1].reason
    assert errors[2].reason == "unknown outcome 'held' for a note (a note takes no outcome)"
    assert "--outcome-map 'Left live message'=OUTCOME" in errors[3].reason
    assert dump(store.path) == before
    # Their words mapped to ours: the rows the map fixes go in.
    fixed = write(tmp_path, "kind,rep,at,outcome\ncall,Ann,2026-01-02,Left live message\n", name="f.csv")
    import_file(store, "activities", fixed, tz="UTC", outcome_map=[("left live message", "voicemail")])
    assert store.query("SELECT outcome FROM activities")[0][0] == "voicemail"
    with pytest.raises(Exception, match="--outcome-map x=maybe: no outcome 'maybe'"):
        import_file(store, "activities", fixed, tz="UTC", outcome_map=[("x", "maybe")])
