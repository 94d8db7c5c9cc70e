"""Game state in SQLite: games, teams, the decisions of each round, the rounds closed.

Nothing about a game lives only in memory: a server killed at any moment finds
every game, team, decision and timer here when it starts again, and rebuilds
each game's model from its seed and the decisions of its closed rounds. Each
submission and each round change is one transaction (WAL journal); a team has
at most one decision per round (a UNIQUE constraint), revised in place until
the round closes.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

MISSED_RULES = ("keep", "ai")  # a team that misses the deadline: keeps its levers, or AI plays
STATUSES = ("lobby", "running", "paused", "finished")
JOIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a projector
JOIN_CODE_LENGTH = 6

SCHEMA = """
CREATE TABLE IF NOT EXISTS server (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS games (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    instructor_secret TEXT NOT NULL UNIQUE,
    scenario TEXT NOT NULL,
    seed INTEGER NOT NULL,
    rounds INTEGER NOT NULL CHECK (rounds >= 1),
    round_seconds INTEGER NOT NULL CHECK (round_seconds >= 10),
    missed TEXT NOT NULL CHECK (missed IN ('keep', 'ai')),
    status TEXT NOT NULL CHECK (status IN ('lobby', 'running', 'paused', 'finished')),
    round INTEGER NOT NULL DEFAULT 0,
    deadline REAL,
    remaining REAL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS teams (
    id INTEGER PRIMARY KEY,
    game_id INTEGER NOT NULL REFERENCES games(id),
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    joined REAL NOT NULL,
    UNIQUE (game_id, name),
    UNIQUE (game_id, state)
);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY,
    game_id INTEGER NOT NULL REFERENCES games(id),
    team_id INTEGER NOT NULL REFERENCES teams(id),
    round INTEGER NOT NULL,
    decision TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    submitted REAL NOT NULL,
    UNIQUE (game_id, team_id, round)
);
CREATE TABLE IF NOT EXISTS shocks (
    id INTEGER PRIMARY KEY,
    game_id INTEGER NOT NULL REFERENCES games(id),
    round INTEGER NOT NULL,
    kind TEXT NOT NULL,
    region TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS rounds (
    game_id INTEGER NOT NULL REFERENCES games(id),
    round INTEGER NOT NULL,
    ai_states TEXT NOT NULL,
    closed REAL NOT NULL,
    PRIMARY KEY (game_id, round)
);
"""


class StoreError(ValueError):
    """A request the stored game cannot take (a taken name or state, a closed round)."""


@dataclass(frozen=True)
class Game:
    id: int
    code: str
    instructor_secret: str
    scenario: str
    seed: int
    rounds: int
    round_seconds: int
    missed: str
    status: str
    round: int  # the round open for decisions (0 in the lobby)
    deadline: float | None  # epoch seconds the open round closes (running only)
    remaining: float | None  # seconds left when it was paused
    created: float


@dataclass(frozen=True)
class Team:
    id: int
    game_id: int
    name: str
    state: str
    token: str
    joined: float


@dataclass(frozen=True)
class StoredDecision:
    team_id: int
    round: int
    decision: dict
    revision: int
    submitted: float


@dataclass(frozen=True)
class Shock:
    id: int
    round: int  # applied in the first week of this round
    kind: str
    region: str


@dataclass(frozen=True)
class ClosedRound:
    round: int
    ai_states: list[str]  # human states the AI played this round (missed the deadline)
    closed: float


def new_secret() -> str:
    """An unguessable secret: 32 random bytes (256 bits), URL-safe, derived from nothing."""
    return secrets.token_urlsafe(32)


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


class Store:
    """The classroom database at ``path`` (created on first use)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(SCHEMA)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("PRAGMA synchronous=FULL")
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is stored, or none of it."""
        with self._connection() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    # -- the server's own secret ----------------------------------------------------
    def admin_secret(self) -> str:
        """The secret of the instructor's link, made once and kept across restarts."""
        with self.transaction() as con:
            row = con.execute("SELECT value FROM server WHERE key = 'admin_secret'").fetchone()
            if row is not None:
                return row["value"]
            secret = new_secret()
            con.execute("INSERT INTO server (key, value) VALUES ('admin_secret', ?)", (secret,))
            return secret

    # -- games -----------------------------------------------------------------------
    def create_game(self, scenario: str, seed: int, rounds: int, round_seconds: int,
                    missed: str) -> Game:
        if missed not in MISSED_RULES:
            raise StoreError(f"missed-deadline rule {missed!r}; allowed: "
                             f"{', '.join(MISSED_RULES)}")
        with self.transaction() as con:
            code = new_join_code()
            while con.execute("SELECT 1 FROM games WHERE code = ?", (code,)).fetchone():
                code = new_join_code()
            cursor = con.execute(
                "INSERT INTO games (code, instructor_secret, scenario, seed, rounds, "
                "round_seconds, missed, status, created) VALUES (?, ?, ?, ?, ?, ?, ?, 'lobby', ?)",
                (code, new_secret(), scenario, seed, rounds, round_seconds, missed, time.time()))
            game_id = cursor.lastrowid
        return self.game(game_id)

    def _rows(self, record: type, query: str, args: tuple = ()) -> list:
        """The rows of ``query`` as ``record``s (their fields named as the columns)."""
        with self._connection() as con:
            return [record(**dict(row)) for row in con.execute(query, args).fetchall()]

    def _row(self, record: type, query: str, args: tuple):
        """The first row of ``query`` as a ``record``, or None."""
        rows = self._rows(record, query + " LIMIT 1", args)
        return rows[0] if rows else None

    def game(self, game_id: int) -> Game:
        game = self._row(Game, "SELECT * FROM games WHERE id = ?", (game_id,))
        if game is None:
            raise StoreError(f"no game {game_id}")
        return game

    def game_by(self, column: str, value: str) -> Game | None:
        """The game whose ``code`` or ``instructor_secret`` is ``value``."""
        if column not in ("code", "instructor_secret"):
            raise ValueError(column)
        return self._row(Game, f"SELECT * FROM games WHERE {column} = ?", (value,))

    def games(self) -> list[Game]:
        return self._rows(Game, "SELECT * FROM games ORDER BY id")

    def set_game(self, game_id: int, **fields) -> Game:
        """Change ``status``, ``round``, ``deadline`` or ``remaining`` in one transaction."""
        allowed = {"status", "round", "deadline", "remaining"}
        if not fields or set(fields) - allowed:
            raise ValueError(f"fields {sorted(fields)}; allowed: {sorted(allowed)}")
        with self.transaction() as con:
            _update_game(con, game_id, fields)
        return self.game(game_id)

    # -- teams -----------------------------------------------------------------------
    def add_team(self, game_id: int, name: str, state: str) -> Team:
        """A team playing ``state``; joining after rounds were played, the AI played them."""
        with self.transaction() as con:
            taken = con.execute("SELECT name, state FROM teams WHERE game_id = ? AND "
                                "(name = ? OR state = ?)", (game_id, name, state)).fetchone()
            if taken is not None and taken["name"] == name:
                raise StoreError(f"the team name {name!r} is taken in this game; choose another")
            if taken is not None:
                raise StoreError(f"{state} is already played by team {taken['name']!r}; "
                                 "choose a free state")
            cursor = con.execute(
                "INSERT INTO teams (game_id, name, state, token, joined) VALUES (?, ?, ?, ?, ?)",
                (game_id, name, state, new_secret(), time.time()))
            team_id = cursor.lastrowid
            for row in con.execute("SELECT round, ai_states FROM rounds WHERE game_id = ?",
                                   (game_id,)).fetchall():  # a late team: the AI played it
                played = sorted({*json.loads(row["ai_states"]), state})
                con.execute("UPDATE rounds SET ai_states = ? WHERE game_id = ? AND round = ?",
                            (json.dumps(played), game_id, row["round"]))
        return self.team(team_id)

    def team(self, team_id: int) -> Team:
        team = self._row(Team, "SELECT * FROM teams WHERE id = ?", (team_id,))
        if team is None:
            raise StoreError(f"no team {team_id}")
        return team

    def team_by_token(self, token: str) -> Team | None:
        return self._row(Team, "SELECT * FROM teams WHERE token = ?", (token,))

    def teams(self, game_id: int) -> list[Team]:
        return self._rows(Team, "SELECT * FROM teams WHERE game_id = ? ORDER BY id", (game_id,))

    # -- decisions ----------------------------------------------------------------
    def save_decision(self, game_id: int, team_id: int, round_: int, decision: dict) -> int:
        """Store (or revise) a team's decision for the open round ``round_``; its revision.

        Refused unless ``round_`` is the game's open round and the game is running
        or paused, checked inside the same transaction as the write.
        """
        with self.transaction() as con:
            row = con.execute("SELECT status, round FROM games WHERE id = ?",
                              (game_id,)).fetchone()
            if row is None or row["status"] not in ("running", "paused") or (
                    row["round"] != round_):
                open_round = (f"round {row['round']} is open" if row and row["status"] in (
                    "running", "paused") else "no round is open")
                raise StoreError(f"round {round_} is not open for decisions ({open_round})")
            cursor = con.execute(
                "INSERT INTO decisions (game_id, team_id, round, decision, submitted) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (game_id, team_id, round) DO UPDATE SET "
                "decision = excluded.decision, submitted = excluded.submitted, "
                "revision = revision + 1 RETURNING revision",
                (game_id, team_id, round_, json.dumps(decision, sort_keys=True), time.time()))
            return cursor.fetchone()["revision"]

    def decisions(self, game_id: int, round_: int | None = None) -> list[StoredDecision]:
        query = ("SELECT team_id, round, decision, revision, submitted FROM decisions "
                 "WHERE game_id = ?")
        args: tuple = (game_id,)
        if round_ is not None:
            query, args = query + " AND round = ?", (game_id, round_)
        with self._connection() as con:
            rows = con.execute(query + " ORDER BY round, team_id", args).fetchall()
        return [StoredDecision(r["team_id"], r["round"], json.loads(r["decision"]),
                               r["revision"], r["submitted"]) for r in rows]

    # -- rounds ------------------------------------------------------------------------
    def close_round(self, game_id: int, round_: int, ai_states: list[str],
                    then: dict) -> Game:
        """Record ``round_`` as played and change the game by ``then``, in one transaction."""
        with self.transaction() as con:
            row = con.execute("SELECT round FROM games WHERE id = ?", (game_id,)).fetchone()
            if row is None or row["round"] != round_:
                raise StoreError(f"round {round_} is not the open round")
            con.execute("INSERT INTO rounds (game_id, round, ai_states, closed) "
                        "VALUES (?, ?, ?, ?)",
                        (game_id, round_, json.dumps(sorted(ai_states)), time.time()))
            _update_game(con, game_id, then)
        return self.game(game_id)

    def reopen_round(self, game_id: int, round_: int, then: dict) -> Game:
        """Undo: ``round_`` is open again; decisions made after it are dropped."""
        with self.transaction() as con:
            con.execute("DELETE FROM rounds WHERE game_id = ? AND round >= ?", (game_id, round_))
            con.execute("DELETE FROM decisions WHERE game_id = ? AND round > ?",
                        (game_id, round_))
            con.execute("DELETE FROM shocks WHERE game_id = ? AND round > ?", (game_id, round_))
            _update_game(con, game_id, {**then, "round": round_})
        return self.game(game_id)

    # -- shocks ---------------------------------------------------------------------
    def add_shock(self, game_id: int, round_: int, kind: str, region: str) -> Shock:
        """A shock for the open round ``round_`` (refused once that round has closed)."""
        with self.transaction() as con:
            row = con.execute("SELECT status, round FROM games WHERE id = ?",
                              (game_id,)).fetchone()
            if row is None or row["status"] not in ("running", "paused") or (
                    row["round"] != round_):
                raise StoreError(f"round {round_} is not open; a shock goes into the open round")
            cursor = con.execute("INSERT INTO shocks (game_id, round, kind, region, created) "
                                 "VALUES (?, ?, ?, ?, ?)",
                                 (game_id, round_, kind, region, time.time()))
            shock_id = cursor.lastrowid
        return Shock(shock_id, round_, kind, region)

    def shocks(self, game_id: int) -> list[Shock]:
        return self._rows(Shock, "SELECT id, round, kind, region FROM shocks WHERE game_id = ? "
                          "ORDER BY id", (game_id,))

    def closed_rounds(self, game_id: int) -> list[ClosedRound]:
        with self._connection() as con:
            rows = con.execute("SELECT round, ai_states, closed FROM rounds WHERE game_id = ? "
                               "ORDER BY round", (game_id,)).fetchall()
        return [ClosedRound(r["round"], json.loads(r["ai_states"]), r["closed"]) for r in rows]


def _update_game(con: sqlite3.Connection, game_id: int, fields: dict) -> None:
    if "status" in fields and fields["status"] not in STATUSES:
        raise ValueError(f"status {fields['status']!r}; allowed: {', '.join(STATUSES)}")
    assignments = ", ".join(f"{name} = ?" for name in fields)
    con.execute(f"UPDATE games SET {assignments} WHERE id = ?", (*fields.values(), game_id))
