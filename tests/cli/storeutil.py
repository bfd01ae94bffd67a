"""Reading an mrvet store with Python's own sqlite3: the independent reader
the CLI tests compare stores with."""
import sqlite3


def rows(db):
    """Every stored number with its natural key (ids and times left out),
    in a fixed order, so two stores can be compared row for row."""
    con = sqlite3.connect(db)
    out = con.execute(
        "SELECT u.model, c.case_key, p.family, p.severity, p.repeat, p.seed, p.params,"
        " r.metric, r.value, r.null_reason FROM results r JOIN runs u ON u.id = r.run_id"
        " JOIN cases c ON c.id = r.case_id JOIN perturbations p ON p.id = r.perturbation_id"
        " ORDER BY 1, 2, 3, 4, 5, 8").fetchall()
    con.close()
    return out
