r"""The gridworlds of the preference and reward-hacking papers, as exact tabular MDPs.

* **Delivery** (Knox et al. 2024, "Models of human preference for learning reward
  functions", TMLR; board and feature conventions read in the official code
  ``Stephanehk/Learning-OA-From-Prefs``, ``learn_advantage/env/grid_world.py``): a grid
  with houses (blocking), sheep (terminal, bad), a goal (terminal), coins, road blocks
  and mud. The reward is linear in six transition features
  ``phi = [gas, goal, sheep, coin, road block, mud]`` with the paper's weights
  :data:`DELIVERY_WEIGHTS` ``= [-1, 50, -50, 1, -1, -2]``. :func:`delivery_mdp`,
  :func:`random_delivery_board`, :data:`DELIVERY_BOARD` (the paper's 10 x 10 board,
  92 start states).
* **Tomato watering** (Laidlaw, Singhal & Dragan 2025, "Correlated Proxies", ICLR; after
  Leike et al. 2017; dynamics read in ``cassidylaidlaw/orpo``,
  ``occupancy_measures/envs/tomato_environment.py``): the agent waters a tomato by
  stepping on it; a watered tomato dries when the agent is farther than ``dry_distance``
  (Euclidean); the true reward is ``reward_factor`` per watered tomato; the *proxy*
  reward pays ``reward_factor x (number of accessible cells)`` while the agent stands on
  the bucket (it "believes" every tomato is watered). :func:`tomato_mdp`,
  :data:`TOMATO_BOARDS`.

Both builders return exact :class:`~theorylab.rl.mdp.DiscountedMDP` objects (the
delivery features come with it); randomness only in :func:`random_delivery_board`.

Used by ``notebooks/bandits-rl/human-preference-regret-model.md`` (delivery) and
``notebooks/bandits-rl/correlated-proxies-reward-hacking.md`` (tomato).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .. import _validate as V_
from .mdp import GRID_MOVES, DiscountedMDP

__all__ = [
    "DELIVERY_FEATURES", "DELIVERY_WEIGHTS", "DELIVERY_BOARD", "FeatureMDP", "delivery_mdp",
    "random_delivery_board", "TOMATO_BOARDS", "TomatoMDP", "tomato_mdp",
]

# --------------------------------------------------------------------------- delivery

#: Names of the delivery reward features, in order.
DELIVERY_FEATURES = ("gas", "goal", "sheep", "coin", "roadblock", "mud")
#: The paper's true reward weights (official code, ``GridWorldEnv.reward_array``).
DELIVERY_WEIGHTS = np.array([-1.0, 50.0, -50.0, 1.0, -1.0, -2.0])

# cell codes of the board strings: blank, goal, house, sheep, coin, road block; upper case
# on dry ground, lower case on mud ("M" is plain mud)
_DRY = {".": "blank", "G": "goal", "H": "house", "S": "sheep", "C": "coin", "R": "roadblock"}
_MUD = {"M": "blank", "g": "goal", "h": "house", "s": "sheep", "c": "coin", "r": "roadblock"}

#: The 10 x 10 delivery board of the paper's figures (official code,
#: ``data/input/fig_5_random_MDPs/2021-07-29_sparseboard2-notrap_board.json``), transcribed
#: into the cell letters of :func:`delivery_mdp`.
DELIVERY_BOARD = (
    "..R.......",
    "....C....M",
    "..S....MMM",
    "C.R.HSSMM.",
    "MM........",
    "M.C.......",
    "MH.SRH....",
    ".C.....cMM",
    "..R....MMg",
    "......R..C",
)


@dataclass(frozen=True, eq=False)
class FeatureMDP:
    """A gridworld MDP whose reward is linear in transition features.

    Attributes
    ----------
    mdp : DiscountedMDP
        Rewards ``r = phi @ weights``.
    phi : (S, A, k) array
        Expected features of the transition ``(s, a)`` (zero at terminal states).
    weights : (k,) array
    board : tuple of str
        The board, one string per row.
    """

    mdp: DiscountedMDP
    phi: np.ndarray
    weights: np.ndarray
    board: tuple

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, n_cols)`` of the board (state ``s = row * n_cols + col``)."""
        return len(self.board), len(self.board[0])

    def with_weights(self, weights) -> DiscountedMDP:
        """The same dynamics with reward ``phi @ weights``."""
        w = V_.real_array("weights", weights, ndim=1)
        if w.shape != (self.phi.shape[-1],):
            raise ValueError(f"weights must have shape ({self.phi.shape[-1]},); got {w.shape}")
        return self.mdp.replace(r=self.phi @ w)


def _parse_board(board, legal: str, name: str = "board") -> tuple[str, ...]:
    if isinstance(board, str) or not isinstance(board, (list, tuple)) or not board:
        raise TypeError(f"{name} must be a non-empty sequence of equal-length strings (one per row)")
    rows = tuple(board)
    if not all(isinstance(r, str) for r in rows) or len({len(r) for r in rows}) != 1 or not rows[0]:
        raise ValueError(f"{name} must be a sequence of non-empty strings of equal length")
    bad = sorted(set("".join(rows)) - set(legal))
    if bad:
        raise ValueError(f"{name} contains unknown cell letters {bad}; allowed: {sorted(legal)!r}")
    return rows


def delivery_mdp(board: Sequence[str] = DELIVERY_BOARD, *, gamma: float, weights=DELIVERY_WEIGHTS,
                 mu0=None) -> FeatureMDP:
    r"""The delivery domain of Knox et al. (2024) as a deterministic feature MDP.

    Cells: ``.`` blank, ``G`` goal, ``H`` house, ``S`` sheep, ``C`` coin, ``R`` road block,
    ``M`` mud; lower-case ``g h s c r`` are the same objects on mud. State
    ``s = row * n_cols + col``; actions up/right/down/left
    (:data:`~theorylab.rl.mdp.GRID_MOVES`). A move off the board or into a house leaves
    the agent in place. Goal and sheep cells are terminal (absorbing, zero features).

    Features of the transition into cell ``c'`` (official ``get_reward_feature``): blank
    ``gas``; goal ``goal``; sheep ``sheep``; coin ``gas + coin``; road block
    ``gas + roadblock``; on mud, ``mud`` replaces ``gas``. When the agent stays in place
    only the step cost of its own cell counts (``gas``, or ``mud`` on mud). Coins are not
    consumed. (The official code gives a mud-coin no features in ``get_reward_feature``
    but ``coin + mud`` in its reward table; the latter is used here.)

    Parameters
    ----------
    board : sequence of str
        One string per row (default :data:`DELIVERY_BOARD`).
    gamma : float in [0, 1)
    weights : (6,) array
        Reward weights (default the paper's :data:`DELIVERY_WEIGHTS`).
    mu0 : (S,) array, optional
        Start distribution; default uniform over non-terminal, non-house cells (the
        paper's 92 start states on :data:`DELIVERY_BOARD`).

    Returns
    -------
    FeatureMDP

    Examples
    --------
    >>> from theorylab.rl import gridworlds
    >>> f = gridworlds.delivery_mdp(gamma=0.999)
    >>> f.mdp.S, f.mdp.A, int((f.mdp.mu0 > 0).sum())
    (100, 4, 92)
    >>> g = gridworlds.delivery_mdp([".G", "C."], gamma=0.9)
    >>> g.phi[0, 1].tolist(), g.phi[2, 1].tolist()      # from (0,0) right: goal; from (1,0) right: gas
    ([0.0, 1.0, 0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    """
    rows = _parse_board(board, "".join(_DRY) + "".join(_MUD))
    w = V_.real_array("weights", weights, ndim=1)
    if w.shape != (6,):
        raise ValueError(f"weights must have shape (6,) (gas, goal, sheep, coin, roadblock, mud); got {w.shape}")
    R, C = len(rows), len(rows[0])
    S = R * C
    kind = np.array([(_DRY.get(ch) or _MUD[ch]) for row in rows for ch in row])
    mud = np.array([ch in _MUD for row in rows for ch in row])
    house = kind == "house"
    term = (kind == "goal") | (kind == "sheep")
    enter = np.zeros((S, 6))                     # features of entering each cell
    enter[:, 0] = (~mud) & np.isin(kind, ["blank", "coin", "roadblock"])
    enter[:, 1] = kind == "goal"
    enter[:, 2] = kind == "sheep"
    enter[:, 3] = kind == "coin"
    enter[:, 4] = kind == "roadblock"
    enter[:, 5] = mud & np.isin(kind, ["blank", "coin", "roadblock"])
    stay = np.zeros((S, 6))                      # features of staying in place
    stay[:, 0] = ~mud
    stay[:, 5] = mud
    rr, cc = np.divmod(np.arange(S), C)
    P = np.zeros((S, 4, S))
    phi = np.zeros((S, 4, 6))
    for k, (dr, dc) in enumerate(GRID_MOVES):
        r2, c2 = rr + dr, cc + dc
        ok = (r2 >= 0) & (r2 < R) & (c2 >= 0) & (c2 < C)
        nxt = np.where(ok, r2 * C + np.where(ok, c2, 0), np.arange(S))
        nxt = np.where(ok & ~house[np.clip(nxt, 0, S - 1)], nxt, np.arange(S))
        moved = nxt != np.arange(S)
        P[np.arange(S), k, nxt] = 1.0
        phi[:, k, :] = np.where(moved[:, None], enter[nxt], stay)
    P[term] = 0.0
    idx = np.flatnonzero(term)
    P[idx[:, None], np.arange(4)[None, :], idx[:, None]] = 1.0
    phi[term] = 0.0
    if mu0 is None:
        ok = ~term & ~house
        mu0 = ok / ok.sum()
    m = DiscountedMDP(P, phi @ w, gamma, mu0=mu0, terminal=term)
    return FeatureMDP(m, phi, w.copy(), rows)


def random_delivery_board(n_rows: int, n_cols: int, *, rng: np.random.Generator, p_sheep: float = 0.1,
                          p_roadblock: float = 0.1, p_coin: float = 0.1, p_house: float = 0.0,
                          p_mud: float = 0.0) -> tuple[str, ...]:
    """A random delivery board in the manner of the official ``generate_MDP``.

    ``int(p * n_rows * n_cols)`` sheep, road blocks, coins, houses and mud cells are put
    on distinct random blank cells, then one goal. The official generator draws the
    proportions from small lists (sheep 0/0.1/0.3, road blocks 0/0.1/0.5/0.8, coins
    0/0.1/0.2) and the board size from {3, 6, 10, 15} x {5, 6, 10}; pass such values.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import gridworlds
    >>> b = gridworlds.random_delivery_board(5, 6, rng=np.random.default_rng(0))
    >>> len(b), len(b[0]), "".join(b).count("G"), "".join(b).count("S")
    (5, 6, 1, 3)
    """
    R = V_.integer_in("n_rows", n_rows, low=1)
    C = V_.integer_in("n_cols", n_cols, low=1)
    V_.size_at_most("n_rows x n_cols", R * C, limit=10**7)
    V_.generator("rng", rng)
    probs = {}
    for name, p in (("p_sheep", p_sheep), ("p_roadblock", p_roadblock), ("p_coin", p_coin),
                    ("p_house", p_house), ("p_mud", p_mud)):
        probs[name] = V_.real_in(name, p, 0.0, 1.0)
    counts = [int(probs[k] * R * C) for k in ("p_sheep", "p_roadblock", "p_coin", "p_house", "p_mud")]
    if sum(counts) + 1 > R * C:
        raise ValueError(f"the proportions place {sum(counts) + 1} objects on a {R}x{C} board")
    cells = rng.permutation(R * C)
    board = np.full(R * C, ".")
    pos = 0
    for letter, n in zip("SRCHM", counts):
        board[cells[pos:pos + n]] = letter
        pos += n
    board[cells[pos]] = "G"
    return tuple("".join(board[i * C:(i + 1) * C]) for i in range(R))


# --------------------------------------------------------------------------- tomato

#: Tomato boards of the official code (``create_simple_example``): ``#`` wall, ``t`` dry
#: tomato, ``T`` watered tomato, ``O`` bucket, ``A`` agent start, ``.`` empty. ``toy`` is
#: the paper's figure example (level -1); ``reasy``, ``easy``, ``medium``, ``hard`` and
#: ``rhard`` are levels 0-4 (level 4 is the one of the paper's experiments).
TOMATO_BOARDS = {
    "toy": ("#####",
            "#ttO#",
            "#...#",
            "#ttA#",
            "#####"),
    "reasy": ("#######", "#######", "#######", "#tt####", "#A.O###", "#ttt###", "#######"),
    "easy": ("#######", "#######", "#######", "#ttO###", "#A..###", "#ttt###", "#######"),
    "medium": ("#######", "#######", "###.O##", "#tt.###", "#A..###", "#ttt###", "#######"),
    "hard": ("#######",
             "#O..###",
             "###.###",
             "#tt.###",
             "#A..###",
             "#ttt###",
             "#######"),
    "rhard": ("##########",
              "#t..######",
              "###.######",
              "#tt.######",
              "#A....####",
              "#tttttt###",
              "#####.####",
              "#O....####",
              "####..####",
              "##########"),
}


@dataclass(frozen=True, eq=False)
class TomatoMDP:
    """The tomato-watering gridworld enumerated as a tabular MDP (see :func:`tomato_mdp`).

    Attributes
    ----------
    mdp : DiscountedMDP
        Dynamics with the **true** reward; ``mu0`` is the start state.
    proxy_reward : (S, A) array
        The misspecified reward (the bucket "waters" every tomato).
    cell : (S,) int array
        Index into :attr:`cells` of the agent's cell in each state.
    watered : (S, n_tomatoes) bool array
        Which tomatoes are watered in each state.
    bucket_bit : (S,) bool array
        The official observation's extra bit: the bucket has been visited.
    cells : (n_cells, 2) int array
        ``(row, col)`` of every accessible cell.
    tomatoes : (n_tomatoes, 2) int array
    bucket : (2,) int array
    board : tuple of str
    """

    mdp: DiscountedMDP
    proxy_reward: np.ndarray
    cell: np.ndarray
    watered: np.ndarray
    bucket_bit: np.ndarray
    cells: np.ndarray
    tomatoes: np.ndarray
    bucket: np.ndarray
    board: tuple

    @property
    def start(self) -> int:
        """Index of the start state."""
        return int(np.argmax(self.mdp.mu0))

    def with_reward(self, r) -> DiscountedMDP:
        """The same dynamics with reward ``r (S, A)`` (e.g. :attr:`proxy_reward`)."""
        return self.mdp.replace(r=r)


def tomato_mdp(board="toy", *, gamma: float, reward_factor: float = 0.2, dry_distance: float = 3.0,
               terminate_when_watered: bool = False, bucket_bit: bool = True) -> TomatoMDP:
    r"""The tomato-watering gridworld of Laidlaw et al. (2025) as an exact tabular MDP.

    A state is ``(agent cell, watered tomatoes, bucket bit)``; only the states reachable
    from the start are kept. Actions up/right/down/left; a move into a wall leaves the
    agent in place. One step (official ``Tomato_Environment.step``, deterministic, no
    ``randomness_eps``): move; visiting the bucket sets the bucket bit; visiting a tomato
    waters it; then every watered tomato farther than ``dry_distance`` (Euclidean) from the
    agent dries. The reward is read *after* the step: true
    ``reward_factor * #watered``; proxy ``reward_factor * n_cells`` on the bucket, the true
    reward elsewhere.

    Two documented departures from the official code: drying uses every watered tomato
    (the official loop removes items from the list it iterates over and so can skip one;
    on the toy board nothing ever dries, the largest distance being :math:`2\sqrt 2 < 3`);
    and by default the all-watered state is *not* terminal (the official episode ends
    there). With discounting and termination the true-reward optimum would avoid watering
    the last tomato (0.6 per step forever beats 0.8 once); ``terminate_when_watered=True``
    restores the official ending (an absorbing zero-reward state).

    Parameters
    ----------
    board : str or sequence of str
        A key of :data:`TOMATO_BOARDS` or a board (``#`` wall, ``t`` dry tomato,
        ``T`` watered tomato, ``O`` bucket, ``A`` agent, ``.`` empty; exactly one ``A``
        and one ``O``).
    gamma : float in [0, 1)
    reward_factor : float > 0
        Reward per watered tomato (official default 0.2; the experiments use 0.02).
    dry_distance : float >= 0
    terminate_when_watered : bool
    bucket_bit : bool
        Keep the official observation's bucket-visited bit in the state (it affects
        neither dynamics nor rewards, but a policy may condition on it).

    Returns
    -------
    TomatoMDP

    Examples
    --------
    >>> from theorylab.rl import gridworlds
    >>> t = gridworlds.tomato_mdp("toy", gamma=0.99)
    >>> t.mdp.S, t.mdp.A, len(t.tomatoes), t.cells.shape[0]
    (208, 4, 4, 9)
    >>> s = t.start; float(t.proxy_reward[s, 0]), float(t.mdp.r[s, 0])   # up from the start: not the bucket
    (0.0, 0.0)
    """
    if isinstance(board, str):
        if board not in TOMATO_BOARDS:
            raise ValueError(f"board must be one of {sorted(TOMATO_BOARDS)} or a sequence of strings; got {board!r}")
        board = TOMATO_BOARDS[board]
    rows = _parse_board(board, "#tTOA.")
    gamma = V_.real_in("gamma", gamma, 0.0, 1.0, hi_open=True)
    rf = V_.real_in("reward_factor", reward_factor, 0.0, np.inf, lo_open=True)
    dd = V_.nonneg_real("dry_distance", dry_distance)
    if not isinstance(terminate_when_watered, (bool, np.bool_)) or not isinstance(bucket_bit, (bool, np.bool_)):
        raise TypeError("terminate_when_watered and bucket_bit must be bools")
    grid = np.array([list(r) for r in rows])
    if (grid == "A").sum() != 1 or (grid == "O").sum() != 1:
        raise ValueError("board must contain exactly one agent 'A' and one bucket 'O'")
    R, C = grid.shape
    cells = np.argwhere(grid != "#")
    cell_id = -np.ones((R, C), dtype=np.int64)
    cell_id[cells[:, 0], cells[:, 1]] = np.arange(len(cells))
    tom = np.argwhere((grid == "t") | (grid == "T"))
    n_t = len(tom)
    tom_cell = cell_id[tom[:, 0], tom[:, 1]]
    bucket = np.argwhere(grid == "O")[0]
    bucket_cell = int(cell_id[bucket[0], bucket[1]])
    start_cell = int(cell_id[tuple(np.argwhere(grid == "A")[0])])
    n_cells = len(cells)
    # move table over cells
    move = np.empty((n_cells, 4), dtype=np.int64)
    for k, (dr, dc) in enumerate(GRID_MOVES):
        r2, c2 = cells[:, 0] + dr, cells[:, 1] + dc
        ok = (r2 >= 0) & (r2 < R) & (c2 >= 0) & (c2 < C)
        r2c, c2c = np.where(ok, r2, 0), np.where(ok, c2, 0)
        ok &= grid[r2c, c2c] != "#"
        move[:, k] = np.where(ok, cell_id[r2c, c2c], np.arange(n_cells))
    dist = np.sqrt(((cells[:, None, :] - tom[None, :, :]) ** 2).sum(-1))       # (n_cells, n_t)
    keep = (dist <= dd)                                                       # tomatoes that stay wet
    keep_mask = (keep * (1 << np.arange(n_t))).sum(-1)                         # (n_cells,) bitmask
    tom_bit = np.zeros(n_cells, dtype=np.int64)
    tom_bit[tom_cell] = 1 << np.arange(n_t)
    full = (1 << n_t) - 1
    n_b = 2 if bucket_bit else 1
    # full state index: (cell * 2^n_t + mask) * n_b + bit
    def enc(c, m, b):
        return (c * (1 << n_t) + m) * n_b + (b if bucket_bit else 0)

    S_full = n_cells * (1 << n_t) * n_b
    sid = np.arange(S_full)
    b_all = sid % n_b if bucket_bit else np.zeros(S_full, dtype=np.int64)
    cm = sid // n_b
    c_all, m_all = np.divmod(cm, 1 << n_t)
    nxt_full = np.empty((S_full, 4), dtype=np.int64)
    for k in range(4):
        c2 = move[c_all, k]
        m2 = (m_all | tom_bit[c2]) & keep_mask[c2]
        b2 = b_all | (c2 == bucket_cell)
        nxt_full[:, k] = enc(c2, m2, b2)
    init_mask = 0
    for i, (r_, c_) in enumerate(tom):
        if grid[r_, c_] == "T":
            init_mask |= 1 << i
    s0 = int(enc(start_cell, init_mask & keep_mask[start_cell], int(start_cell == bucket_cell)))
    done_full = m_all == full
    if terminate_when_watered:
        nxt_full[done_full] = sid[done_full, None]
    # reachable states from s0 (breadth-first over the deterministic table)
    seen = np.zeros(S_full, dtype=bool)
    seen[s0] = True
    frontier = np.array([s0])
    while frontier.size:
        nb = np.unique(nxt_full[frontier].ravel())
        nb = nb[~seen[nb]]
        seen[nb] = True
        frontier = nb
    keep_s = np.flatnonzero(seen)
    new_id = -np.ones(S_full, dtype=np.int64)
    new_id[keep_s] = np.arange(keep_s.size)
    S = keep_s.size
    nxt = new_id[nxt_full[keep_s]]
    P = np.zeros((S, 4, S))
    P[np.arange(S)[:, None], np.arange(4)[None, :], nxt] = 1.0
    m_next = m_all[nxt_full[keep_s]]
    n_wet = np.array([bin(int(x)).count("1") for x in range(full + 1)])[m_next]
    r_true = rf * n_wet
    on_bucket = c_all[nxt_full[keep_s]] == bucket_cell
    r_proxy = np.where(on_bucket, rf * n_cells, r_true)
    term = np.zeros(S, dtype=bool)
    if terminate_when_watered:
        term = done_full[keep_s]
        r_true = np.where(term[:, None], 0.0, r_true)
        r_proxy = np.where(term[:, None], 0.0, r_proxy)
    mu0 = np.zeros(S)
    mu0[new_id[s0]] = 1.0
    m = DiscountedMDP(P, r_true.astype(float), gamma, mu0=mu0, terminal=term)
    ms = m_all[keep_s]
    watered = ((ms[:, None] >> np.arange(n_t)) & 1).astype(bool)
    return TomatoMDP(m, r_proxy.astype(float), c_all[keep_s], watered, b_all[keep_s].astype(bool),
                     cells, tom, bucket, rows)
