"""Contract cases of theorylab.rl.gridworlds."""

from tests.contract import RNG, ok, skip

CASES = {
    "FeatureMDP": skip("result container returned by delivery_mdp"),
    "TomatoMDP": skip("result container returned by tomato_mdp"),
    "delivery_mdp": ok([".CS", "R.G"], gamma=0.9).invalid(gamma=[1.0]),
    "random_delivery_board": ok(4, 5, rng=RNG, p_sheep=0.1).invalid(p_sheep=[1.5], n_rows=[0]),
    "tomato_mdp": ok("toy", gamma=0.9).invalid(reward_factor=[0.0], dry_distance=[-1.0], gamma=[1.0]),
}
