"""theorylab.rl.gridworlds against step-by-step reference simulators written here from the
rules of the official code (Knox et al.'s grid_world.py; Laidlaw et al.'s tomato_environment.py),
cell by cell in plain Python, and against known values (92 start states of the paper's board)."""

import doctest
import math

import numpy as np
import pytest

from theorylab.rl import gridworlds as gw, mdp

MOVES = [(-1, 0), (0, 1), (1, 0), (0, -1)]          # up, right, down, left (mdp.GRID_MOVES)


def test_doctests():
    res = doctest.testmod(gw, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0


def _delivery_step(board, r, c, k):
    """Reference: (next cell, features) from the official rules, one transition."""
    R, C = len(board), len(board[0])
    ch = board[r][c]
    if ch in "GSgs":
        return (r, c), np.zeros(6)
    r2, c2 = r + MOVES[k][0], c + MOVES[k][1]
    if not (0 <= r2 < R and 0 <= c2 < C) or board[r2][c2] in "Hh":
        phi = np.zeros(6)
        phi[5 if ch.islower() or ch == "M" else 0] = 1.0
        return (r, c), phi
    nc = board[r2][c2]
    mud = nc.islower() or nc == "M"
    phi = np.zeros(6)
    base = nc.upper() if nc != "M" else "."
    if base == "G":
        phi[1] = 1
    elif base == "S":
        phi[2] = 1
    else:
        phi[5 if mud else 0] = 1
        if base == "C":
            phi[3] = 1
        if base == "R":
            phi[4] = 1
    return (r2, c2), phi


@pytest.mark.parametrize("board", [gw.DELIVERY_BOARD, ("M.cRG", "sH..C", "..r.S")])
def test_delivery_matches_reference_rules(board):
    f = gw.delivery_mdp(board, gamma=0.9)
    R, C = len(board), len(board[0])
    for r in range(R):
        for c in range(C):
            for k in range(4):
                (r2, c2), phi = _delivery_step(board, r, c, k)
                s = r * C + c
                assert f.mdp.P[s, k, r2 * C + c2] == 1.0
                assert np.array_equal(f.phi[s, k], phi), (r, c, k)
    assert np.allclose(f.mdp.r, f.phi @ gw.DELIVERY_WEIGHTS)


def test_delivery_paper_board_starts_and_values():
    f = gw.delivery_mdp(gamma=0.999)
    assert int((f.mdp.mu0 > 0).sum()) == 92          # the official n_starts
    sol = mdp.value_iteration(f.mdp, max_iter=50)
    # entering the (mud) goal from its left neighbour pays the goal weight 50
    g = 8 * 10 + 9
    assert sol.Q[g - 1, 1] == pytest.approx(50.0)
    assert sol.V[g] == 0.0 and f.mdp.terminal[g]


def test_random_delivery_board_counts():
    b = gw.random_delivery_board(6, 5, rng=np.random.default_rng(3), p_sheep=0.1, p_roadblock=0.2,
                                 p_coin=0.1, p_house=0.1)
    flat = "".join(b)
    assert (flat.count("S"), flat.count("R"), flat.count("C"), flat.count("H"), flat.count("G")) == (3, 6, 3, 3, 1)
    with pytest.raises(ValueError, match="proportions"):
        gw.random_delivery_board(2, 2, rng=np.random.default_rng(0), p_sheep=1.0)


# --------------------------------------------------------------------------- tomato


class _Tomato:
    """Reference simulator: the official step, with per-object state."""

    def __init__(self, board, dry=3.0, rf=0.2):
        self.board = board
        self.walls = {(i, j) for i, row in enumerate(board) for j, ch in enumerate(row) if ch == "#"}
        self.tom = [(i, j) for i, row in enumerate(board) for j, ch in enumerate(row) if ch in "tT"]
        self.wet = {(i, j) for i, row in enumerate(board) for j, ch in enumerate(row) if ch == "T"}
        self.bucket = next((i, j) for i, row in enumerate(board) for j, ch in enumerate(row) if ch == "O")
        self.pos = next((i, j) for i, row in enumerate(board) for j, ch in enumerate(row) if ch == "A")
        self.n_cells = sum(ch != "#" for row in board for ch in row)
        self.dry, self.rf, self.bit = dry, rf, self.pos == self.bucket

    def step(self, k):
        p = (self.pos[0] + MOVES[k][0], self.pos[1] + MOVES[k][1])
        if p not in self.walls:
            self.pos = p
        if self.pos == self.bucket:
            self.bit = True
        if self.pos in self.tom:
            self.wet.add(self.pos)
        self.wet = {t for t in self.wet if math.dist(t, self.pos) <= self.dry}
        true = self.rf * len(self.wet)
        proxy = self.rf * self.n_cells if self.pos == self.bucket else true
        return true, proxy


@pytest.mark.parametrize("name", ["toy", "medium", "rhard"])
def test_tomato_matches_reference_simulator(name):
    t = gw.tomato_mdp(name, gamma=0.9)
    nxt = mdp.next_state_table(t.mdp)
    rng = np.random.default_rng(5)
    for _ in range(20):
        sim = _Tomato(gw.TOMATO_BOARDS[name])
        s = t.start
        for k in rng.integers(0, 4, 60):
            true, proxy = sim.step(int(k))
            assert t.mdp.r[s, k] == pytest.approx(true) and t.proxy_reward[s, k] == pytest.approx(proxy)
            s = nxt[s, k]
            assert tuple(t.cells[t.cell[s]]) == sim.pos
            assert {tuple(x) for x in t.tomatoes[t.watered[s]]} == sim.wet
            assert bool(t.bucket_bit[s]) == sim.bit


def test_tomato_variants():
    a = gw.tomato_mdp("toy", gamma=0.9)
    b = gw.tomato_mdp("toy", gamma=0.9, bucket_bit=False)
    assert b.mdp.S < a.mdp.S and not b.bucket_bit.any()
    term = gw.tomato_mdp("toy", gamma=0.9, terminate_when_watered=True)
    assert term.mdp.terminal.any()
    assert np.all(term.watered[term.mdp.terminal].all(axis=1))
    # on the toy board nothing dries: the largest cell-tomato distance is 2 sqrt 2 < 3
    sol = mdp.value_iteration(a.mdp, max_iter=100)
    assert float(a.mdp.mu0 @ sol.V) < 0.8 / (1 - 0.9)
    with pytest.raises(ValueError, match="exactly one agent"):
        gw.tomato_mdp(("#O#", "#.#"), gamma=0.9)
    with pytest.raises(ValueError, match="board must be one of"):
        gw.tomato_mdp("nope", gamma=0.9)
    with pytest.raises(ValueError, match="unknown cell letters"):
        gw.tomato_mdp(("A.O", "x.."), gamma=0.9)
