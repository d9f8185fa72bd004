"""Build notebooks/05_replay_and_exploration.ipynb (run from anywhere; then execute it)."""
# ruff: noqa: E501  (cell text is dedented by 8 columns; the notebook lines fit in 88)

from nbtools import code, md, write

CELLS = [
    md(
        r"""
        # 05 · Replay and ε-greedy

        Notebook 04 fitted a Q-network to a fixed log of transitions, drawing each
        mini-batch uniformly from all of it. A recommender that learns while it works
        has no fixed log: transitions arrive one step of the shop at a time, from the
        shoppers it is serving right now, and the products it shows are chosen by the
        very network it is training. This raises two questions, one for each half of
        this notebook. Which transitions should a gradient step learn from? And which
        products should the recommender show while it still knows little?

        **In this notebook you will**

        1. measure how alike consecutive transitions are, and why learning from them in
           order is a bad idea;
        2. open the ring buffer behind experience replay (preallocated arrays,
           wrap-around, uniform sampling into a batch) and write a tiny one
           (exercise 1);
        3. compare exploration schedules counted in environment steps, find out how
           short the source article's schedule really is, and write a linear schedule
           (exercise 2);
        4. write ε-greedy (exercise 3) and use the library's version, which respects
           the action mask.

        **Prerequisites:** notebook 04 (the Q-network, TD targets, fitting Q); NumPy
        indexing and random generators.

        **Time:** about 40 minutes. Running every cell takes about 10 seconds.
        """
    ),
    code(
        """
        import random
        import time
        from collections import deque, namedtuple

        import matplotlib.pyplot as plt
        import numpy as np
        import torch

        from beautyrl_lib.agents import dqn
        from beautyrl_lib.agents.baselines import RandomPolicy
        from beautyrl_lib.agents.exploration import (
            ExponentialSchedule,
            LinearSchedule,
            epsilon_greedy,
        )
        from beautyrl_lib.agents.qnetwork import QNetwork
        from beautyrl_lib.agents.replay import ReplayBuffer
        from beautyrl_lib.course import checks, checks_dqn
        from beautyrl_lib.sim import OBS_DIM, ShopConfig, VectorShop

        SEED = 0  # every random draw below comes from generators seeded with this
        CONFIG = dqn.DQNConfig()  # the course's DQN settings
        torch.set_num_threads(CONFIG.torch_threads)  # 1: fastest for small networks
        shop_config = ShopConfig()  # the course's standard shop, 50 products
        n_products = shop_config.n_products
        np.set_printoptions(precision=3, suppress=True)
        """
    ),
    md(
        r"""
        ## 1. Consecutive transitions are alike

        Follow one slot of the vector shop. Its transitions come from one shopper after
        another, each for a few steps, and within a session the observation changes
        little from one step to the next: the account data (declared skin type, age
        bracket, loyalty tier) stay the same, and the history counts grow by at most
        one. The function below records the observations of 64 slots for 200 steps of
        the random recommender, and which sessions ended at each step.
        """
    ),
    code(
        """
        def record_stream(seed: int, n_steps: int, num_envs: int = 64):
            \"\"\"Observations (n_steps, num_envs, 63) and session ends (n_steps, num_envs).\"\"\"
            shop = VectorShop(shop_config, num_envs=num_envs)
            policy = RandomPolicy(seed=seed)
            obs, _ = shop.reset(seed=seed)
            observations, ends = [], []
            for _ in range(n_steps):
                observations.append(obs)
                actions = policy.act(obs, shop.action_mask())
                obs, _, terminated, truncated, _ = shop.step_arrays(actions)
                ends.append(terminated | truncated)
            return np.stack(observations), np.stack(ends)


        stream, ends = record_stream(seed=SEED, n_steps=200)
        print("observations:", stream.shape, " session ends:", ends.shape)
        """
    ),
    md(
        r"""
        How alike are two transitions $k$ steps apart in the same slot? Standardise
        each observation feature (mean 0, standard deviation 1 over the whole
        recording), multiply the feature at step $t$ with the same feature at step
        $t + k$ and average: this is the correlation between the two steps, averaged
        over features. Then do the same after shuffling all 12,800 transitions, which
        is the order in which a replay buffer hands them out.
        """
    ),
    code(
        """
        features = stream.reshape(-1, OBS_DIM)  # (12800, 63)
        varying = features.std(axis=0) > 0  # a few features never change; skip them
        z = (stream[..., varying] - features[:, varying].mean(0)) / features[:, varying].std(0)
        in_order = z.transpose(1, 0, 2)  # (64 slots, 200 steps, features)
        rng = np.random.default_rng(SEED)
        shuffled = z.reshape(-1, z.shape[-1])[rng.permutation(z.shape[0] * z.shape[1])]
        shuffled = shuffled.reshape(in_order.shape)  # the same rows, in replay order


        def lag_correlation(sequences: np.ndarray, k: int) -> float:
            \"\"\"Mean over sequences and features of z[t] * z[t + k].\"\"\"
            return float((sequences[:, :-k] * sequences[:, k:]).mean())
        """
    ),
    code(
        """
        lags = np.arange(1, 16)
        fig, ax = plt.subplots(figsize=(6.5, 3.6))
        corr_in_order = [lag_correlation(in_order, k) for k in lags]
        corr_replay = [lag_correlation(shuffled, k) for k in lags]
        ax.plot(lags, corr_in_order, "o-", label="in the order they happen")
        ax.plot(lags, corr_replay, "o-", label="in replay order")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_title("How alike are two transitions k steps apart?")
        ax.set(xlabel="distance k (transitions)", ylabel="mean feature correlation")
        ax.legend()
        plt.show()
        """
    ),
    md(
        r"""
        What to see: one step apart, the observations of a slot are strongly
        correlated (about 0.75); the correlation fades over about ten steps, as sessions
        end and new shoppers take their place. In replay order it is zero at every
        distance.

        Why does this matter? Stochastic gradient descent assumes that each mini-batch
        is a fair sample of the data. Here is what a batch of 32 transitions taken in
        order from one slot contains, compared with 32 drawn at random from the whole
        recording (32 is the batch size of the source article's snippet):
        """
    ),
    code(
        """
        session_of = np.cumsum(ends, axis=0) - ends  # (200, 64): session number within its slot
        BATCH = 32
        in_order_counts = session_of[BATCH - 1 :] - session_of[: -(BATCH - 1)] + 1
        rows = rng.integers(0, session_of.size, size=(1000, BATCH))  # 1,000 random batches
        shopper_ids = session_of.ravel() * 1000 + np.tile(np.arange(64), 200)  # (session, slot)
        random_counts = [len(np.unique(shopper_ids[batch])) for batch in rows]
        print(f"shoppers in a batch of {BATCH}: in order {in_order_counts.mean():.1f}, "
              f"in replay order {np.mean(random_counts):.1f}")
        """
    ),
    md(
        r"""
        A batch taken in order holds the experience of about six shoppers, each seen
        for several nearly identical steps. Its gradient pushes the Q-values towards
        whatever those few shoppers liked: if they all declared dry skin, every
        dry-skin product gains, and the next batch, from the next few shoppers, pulls
        elsewhere. The network *chases the latest shoppers* and forgets the earlier
        ones. Once the network also chooses the recommendations, it gets worse: what
        it learned from the last batch decides what it shows next, which decides the
        next batch, a feedback loop that can lock into a few products.

        **Experience replay** breaks the chain. Every transition goes into a large
        store, and each gradient step learns from a batch drawn uniformly from all of
        it: many shoppers, at different steps of their sessions, recorded under older
        versions of the policy too. It also recycles experience: with the course's
        settings, a store of 100,000 transitions and one batch of 256 every 8
        environment steps, each transition is drawn 256 / 8 = 32 times on average
        before it is overwritten.

        The vector shop already helps a little, since one of its steps holds 64
        different shoppers. But the next step holds the same 64, one step further,
        so learning from each vector step as it comes would still see the same few
        dozen shoppers over and over.

        ## 2. The ring buffer

        A replay buffer must add transitions fast, drop the oldest when it is full,
        and sample uniformly. The library's `ReplayBuffer` is a **ring buffer**:

        - **preallocated arrays**, one per field, each with `capacity` rows, created
          once: `obs` and `next_obs` (capacity, 63) float32, `actions` int64,
          `rewards` float32, `terminated` and `truncated` bool;
        - a write position `pos`: the next transition goes into row `pos`, which then
          moves on by one and **wraps around** to 0 after the last row, so that once
          the buffer is full each new transition overwrites the oldest;
        - a count `size` of the rows holding a transition, which grows to `capacity`
          and stays there.

        Watch a buffer of capacity 5 receive 3 transitions, then 4 more. To tell the
        transitions apart we give them actions 0, 1, 2, ... and print the `actions`
        array:
        """
    ),
    code(
        """
        demo = ReplayBuffer(capacity=5, obs_dim=OBS_DIM, seed=SEED)
        for first, count in [(0, 3), (3, 4)]:
            actions = np.arange(first, first + count)  # the transitions' names
            blank = np.zeros((count, OBS_DIM), dtype=np.float32)
            no = np.zeros(count, dtype=bool)
            demo.add_batch(blank, actions, np.zeros(count), blank, no, no)
            print(f"after adding {actions}: actions = {demo.actions}, "
                  f"pos = {demo.pos}, size = {len(demo)}")
        """
    ),
    md(
        r"""
        After the second batch, transitions 5 and 6 have overwritten 0 and 1, the
        oldest; `pos` = 2 points at transition 2, now the oldest, which is the next to
        go. The order of the rows no longer matches the order of arrival, and it does
        not need to: sampling is uniform over all rows.

        `sample(batch_size)` draws row indices uniformly from 0 to `size` − 1, with
        replacement, from the buffer's own seeded generator, and returns a `Batch`, a
        named tuple of torch tensors ready for the network. A buffer created with
        `n_actions` also stores, per transition, which products may still be shown in
        the next state (the `next_action_mask` that notebook 04's TD targets use),
        packed eight products per byte.
        """
    ),
    code(
        """
        buffer = ReplayBuffer(CONFIG.buffer_size, OBS_DIM, seed=SEED, n_actions=n_products)
        arrays = ("obs", "next_obs", "actions", "rewards", "terminated", "truncated",
                  "next_action_mask_bits")
        megabytes = sum(getattr(buffer, name).nbytes for name in arrays) / 1e6
        print(f"capacity {buffer.capacity:,} transitions: {megabytes:.1f} MB, allocated once")

        batch = demo.sample(4)
        for name, tensor in zip(batch._fields, batch, strict=True):
            if tensor is not None:
                print(f"{name:<11} {str(tuple(tensor.shape)):<8} {tensor.dtype}")
        print("actions drawn:", batch.actions.numpy())
        """
    ),
    md(
        r"""
        The source article keeps its transitions differently: a
        `deque(maxlen=10000)` of named tuples, sampled with `random.sample`, and every
        update rebuilds tensors from the sampled tuples with `torch.tensor(...)`. It
        works, but each update loops over the batch in Python and copies every number
        one by one. Time both ways of drawing a batch of 128 from
        10,000 stored transitions (your numbers depend on your machine, so this cell's
        output is not compared by the notebook tests):
        """
    ),
    code(
        """
        Transition = namedtuple("Transition", ("state", "action", "reward", "next_state"))
        rng = np.random.default_rng(SEED)
        obs_rows = rng.random((10_000, OBS_DIM), dtype=np.float32)
        experience_replay = deque(
            (Transition(o, i % 50, 0.0, o) for i, o in enumerate(obs_rows)), maxlen=10_000
        )
        ring = ReplayBuffer(10_000, OBS_DIM, seed=SEED)
        no = np.zeros(10_000, dtype=bool)
        ring.add_batch(obs_rows, np.arange(10_000) % 50, np.zeros(10_000), obs_rows, no, no)
        """
    ),
    code(
        """
        def article_sample(batch_size: int):
            \"\"\"The article's way: random.sample on a deque, tensors from the tuples.\"\"\"
            batch = random.Random(SEED).sample(experience_replay, batch_size)
            states, actions, rewards, next_states = zip(*batch, strict=True)
            return (torch.tensor(states, dtype=torch.float32), torch.tensor(actions),
                    torch.tensor(rewards), torch.tensor(next_states, dtype=torch.float32))


        for name, draw in [("deque + tuples", article_sample), ("ring buffer", ring.sample)]:
            start = time.perf_counter()
            for _ in range(50):
                draw(128)
            print(f"{name:<14} {(time.perf_counter() - start) * 20:.2f} ms per batch")
        """,
        tags=("nbval-ignore-output",),
    ),
    md(
        r"""
        On the machines we tried, the article's way takes milliseconds per batch and
        the ring buffer less than a tenth of a millisecond: dozens of times faster. PyTorch
        itself warns (above) that building a tensor from a list of arrays is
        extremely slow. A DQN draws a batch for every update, hundreds of thousands of
        times, so this is the difference between a training run of minutes and one of
        an hour.

        ### Exercise 1: a tiny ring buffer

        Write the two methods of a ring buffer that stores one integer per slot (an
        integer stands in for a whole transition; the library keeps one row per field
        instead). `__init__` is given: empty slots hold -1.

        - `add(item)`: write `item` at `pos`, move `pos` one slot on (back to 0 after
          the last slot), and let `size` grow by one up to `capacity`;
        - `sample(batch_size, rng)`: return `batch_size` stored items drawn uniformly
          with replacement, using only `rng`.
        """
    ),
    code(
        """
        class RingBuffer:
            \"\"\"Keeps the latest `capacity` items and samples them uniformly.\"\"\"

            def __init__(self, capacity: int):
                self.capacity = capacity
                self.items = np.full(capacity, -1)  # -1 marks an empty slot
                self.pos = 0  # the slot the next item goes to
                self.size = 0  # how many slots hold an item

            def add(self, item: int) -> None:
                ### HINT: write at slot pos; move pos on by one and back to 0 after the last slot (% helps); size grows until it reaches capacity.
                ### BEGIN SOLUTION
                self.items[self.pos] = item
                self.pos = (self.pos + 1) % self.capacity
                self.size = min(self.size + 1, self.capacity)
                ### END SOLUTION

            def sample(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
                ### HINT: draw batch_size indices among the filled slots 0 .. size - 1 with rng.integers (its upper end is excluded), then index self.items.
                ### BEGIN SOLUTION
                idx = rng.integers(0, self.size, size=batch_size)
                return self.items[idx]
                ### END SOLUTION
        """
    ),
    code(
        """
        passed = checks_dqn.check_ring_buffer(RingBuffer)
        """
    ),
    md(
        r"""
        The library's `add_batch` does the same for a whole step of the vector shop at
        once: it writes the 64 new rows with at most two slice copies, one up to the
        end of the arrays and one from their start when the batch wraps around.

        ## 3. Exploration schedules

        The Q-network starts out knowing nothing, and it only learns about the
        products it recommends. A recommender that always showed its current favourite
        would never find out that another product is better. **ε-greedy** explores: with
        probability $\varepsilon$ it shows a random product, otherwise the one with the
        highest Q-value. Early on $\varepsilon$ should be high (the Q-values are
        meaningless), later low (they are worth following), so $\varepsilon$ follows a
        **schedule**.

        In this course a schedule is a function of the number of **environment steps**
        taken, one per recommendation to one shopper, so a step of the 64-shopper shop
        counts 64. That is the right clock: how much the recommender should still
        explore depends on how much experience it has gathered, not on how often the
        training loop happens to run an update. The library offers two shapes:

        - `LinearSchedule(start, end, duration_steps)`: a straight line from `start`
          to `end` over `duration_steps` steps, then flat. The course's default goes
          from 1.0 to 0.05 over 60,000 steps.
        - `ExponentialSchedule(start, end, half_life=...)` (or `decay_steps=...`): the
          gap to `end` halves every `half_life` steps; it approaches `end` without
          reaching it.

        The source article instead multiplies $\varepsilon$ by 0.995 after every
        gradient update, down to 0.01. Its clock is the update, and how many updates
        happen per environment step is a detail of the training loop. How long does
        its exploration last?
        """
    ),
    code(
        """
        updates_to_floor = int(np.ceil(np.log(0.01) / np.log(0.995)))
        env_steps_per_update = CONFIG.train_every / CONFIG.gradient_steps
        env_steps = updates_to_floor * env_steps_per_update
        print(f"the article's epsilon reaches 0.01 after {updates_to_floor} updates")
        print(f"with one update per {env_steps_per_update:g} env steps: "
              f"{env_steps:,.0f} env steps, {env_steps / 64:.0f} steps of a 64-shopper shop")
        """
    ),
    md(
        r"""
        In the course's training loop (one update every 8 environment steps) the
        article's exploration is over 7,352 recommendations after the first update:
        115 steps of the vector shop, about twenty short sessions per slot, before the Q-network has
        learned anything worth exploiting. Worse, the same line of code would explore
        four times less with `gradient_steps=4`, and twice as long with
        `train_every=16`. The figure puts the three schedules on the environment-step
        clock:
        """
    ),
    code(
        """
        steps = np.arange(0, 80_001, 100)
        linear = LinearSchedule(1.0, 0.05, CONFIG.epsilon_decay_steps)
        exponential = ExponentialSchedule(1.0, 0.05, half_life=10_000)
        updates = steps // CONFIG.train_every * CONFIG.gradient_steps  # updates done by then
        article = np.maximum(0.995**updates, 0.01)

        fig, ax = plt.subplots(figsize=(7, 3.8))
        ax.plot(steps, linear(steps), label="linear, 1 → 0.05 over 60,000 steps (course)")
        ax.plot(steps, exponential(steps), label="exponential, half-life 10,000 steps")
        ax.plot(steps, article, label="article: × 0.995 per update, 1 update / 8 steps")
        ax.set_title("Exploration rate on the environment-step clock")
        ax.set_xlabel("environment steps (recommendations)")
        ax.set_ylabel("ε (chance of a random product)")
        ax.legend()
        plt.show()
        """
    ),
    md(
        r"""
        What to see: the article's curve drops to its floor near the left edge,
        after 7,352 steps, while the linear schedule keeps exploring for 60,000 steps and the exponential
        one falls fast at first and then slowly. Which of the two is better is an
        empirical question (notebook 06 uses the linear one); what matters is that
        both are stated in environment steps, so changing the update frequency leaves
        exploration alone.

        ### Exercise 2: a linear schedule

        Write `linear_epsilon(step, start, end, duration_steps)`: the value after
        `step` environment steps, moving in a straight line from `start` (at step 0)
        to `end` (at `duration_steps`) and staying at `end` afterwards.
        """
    ),
    code(
        """
        def linear_epsilon(step: int, start: float, end: float, duration_steps: int) -> float:
            \"\"\"Epsilon after `step` environment steps of a linear schedule.\"\"\"
            ### HINT: the fraction of the way done is step / duration_steps, but never more than 1; move that fraction from start towards end.
            ### BEGIN SOLUTION
            fraction = min(step / duration_steps, 1.0)
            return start + (end - start) * fraction
            ### END SOLUTION
        """
    ),
    code(
        """
        passed = checks_dqn.check_linear_schedule(linear_epsilon)
        """
    ),
    md(
        r"""
        In the library the agent keeps the clock. `DQNAgent.count_env_steps(n)` is
        called once per step of the shop with `n` = the number of shoppers; it
        advances `agent.env_steps`, from which `agent.epsilon` is read, and returns
        how many gradient updates are now due (none before `learning_starts` = 5,000
        steps, then one per `train_every` = 8 steps). Here are 100 steps of the
        64-shopper shop, without any acting or learning:
        """
    ),
    code(
        """
        agent = dqn.DQNAgent(OBS_DIM, n_products, CONFIG, seed=SEED)
        for _ in range(100):
            due = agent.count_env_steps(64)
        print(f"env steps {agent.env_steps:,}, epsilon {agent.epsilon:.3f}, "
              f"updates due after the last shop step: {due}")
        """
    ),
    md(
        r"""
        ## 4. ε-greedy with the action mask

        ### Exercise 3: ε-greedy for one shopper

        Write `epsilon_greedy(q_values, epsilon, rng)` for one shopper: `q_values` is a
        1-D array with one Q-value per product. With probability `epsilon` return a
        uniformly random product index (any product, the best one included),
        otherwise the index of the largest Q-value. Draw every random number from
        `rng`.
        """
    ),
    code(
        """
        def epsilon_greedy_one(q_values: np.ndarray, epsilon: float, rng) -> int:
            \"\"\"A random product with probability epsilon, else the best one.\"\"\"
            ### HINT: one rng.random() draw decides whether to explore; explore with rng.integers over all products, else take np.argmax.
            ### BEGIN SOLUTION
            if rng.random() < epsilon:
                return int(rng.integers(len(q_values)))
            return int(np.argmax(q_values))
            ### END SOLUTION
        """
    ),
    code(
        """
        passed = checks.check_epsilon_greedy(epsilon_greedy_one)
        """
    ),
    md(
        r"""
        The shop adds one rule: a product already shown in the session may not be
        shown again (notebook 03's action mask). Exploring among *all* products would
        waste recommendations on forbidden ones, and the greedy choice must skip them
        too. The library's `epsilon_greedy(q_values, action_mask, epsilon, rng)` works
        on a whole batch of shoppers: each row explores with probability
        $\varepsilon$, an exploring row picks uniformly among its *allowed* products,
        and the others take their best allowed product.

        To see the rule at work, take one shopper after five recommendations, score
        the catalog with an (untrained) Q-network, and let ε-greedy choose for her
        20,000 times with $\varepsilon = 0.3$:
        """
    ),
    code(
        """
        shown = [3, 17, 25, 31, 44]
        shop = VectorShop(shop_config, num_envs=64, autoreset=False)  # no new shoppers
        shop.reset(seed=SEED)
        for product in shown:  # the same five recommendations to 64 shoppers
            obs, *_ = shop.step_arrays(np.full(64, product))
        her = np.flatnonzero(~shop.done)[0]  # the first shopper still in her session
        mask = shop.action_mask()[her]  # (50,): False for the 5 products shown
        q_net = QNetwork(OBS_DIM, n_products, CONFIG.hidden, seed=SEED)
        with torch.no_grad():
            q_row = q_net(torch.from_numpy(obs[her : her + 1])).numpy()[0]  # (50,)

        n_draws, epsilon = 20_000, 0.3
        picks = epsilon_greedy(np.tile(q_row, (n_draws, 1)), np.tile(mask, (n_draws, 1)),
                               epsilon, np.random.default_rng(SEED))
        shares = np.bincount(picks, minlength=n_products) / n_draws
        """
    ),
    code(
        """
        best = int(np.argmax(np.where(mask, q_row, -np.inf)))
        fig, ax = plt.subplots(figsize=(8, 3.6))
        ax.bar(np.arange(n_products), 100 * shares, label="allowed product")
        ax.bar(best, 100 * shares[best], color="C1", label=f"best allowed product ({best})")
        ax.plot(shown, np.full(5, 0.3), "x", color="C3", ms=8, label="already shown: no picks")
        uniform = 100 * epsilon / mask.sum()  # % of picks per product from exploring
        ax.axhline(uniform, color="grey", ls="--", label="ε / allowed products")
        ax.set_yscale("log")
        ax.set_ylim(0.2, 150)
        ax.set_title(f"Where 20,000 ε-greedy picks went (ε = {epsilon})")
        ax.set(xlabel="product", ylabel="share of picks (%, log scale)")
        ax.legend()
        plt.show()
        expected = 1 - epsilon + epsilon / mask.sum()
        print(f"{mask.sum()} products allowed; shown products got {shares[~mask].sum():.0%}")
        print(f"best allowed product: {shares[best]:.1%} of picks (expected {expected:.1%})")
        """
    ),
    md(
        r"""
        What to see: the five products already shown (3, 17, 25, 31, 44, the red
        crosses) get no picks at all. The best allowed product by the network's Q-values
        gets $1 - \varepsilon + \varepsilon / 45 \approx 71\%$ of the picks; each of
        the other 44 allowed products gets about $\varepsilon / 45 \approx 0.67\%$,
        the dashed line, up and down by the noise of 20,000 draws. The source article's
        `select_action` explores with `np.random`, the global random state, and
        ignores what was shown: its runs cannot be repeated, and it may recommend the
        same product twice.

        ## Summary

        - Consecutive transitions of a slot are strongly correlated (about 0.75 one
          step apart), and a batch of 32 taken in order holds about 6 shoppers. Learning
          from them in order chases the latest shoppers; **experience replay** trains
          on batches drawn uniformly from a large store, about 32 distinct shoppers in
          32 transitions, and reuses each transition about 32 times.
        - The **ring buffer** preallocates one array per field, writes at `pos`,
          **wraps around** to overwrite the oldest transition, counts `size` up to
          `capacity`, and samples row indices uniformly from 0 to `size` − 1. It is
          dozens of times faster than a deque of tuples turned into tensors at every
          update.
        - **Exploration schedules** are functions of environment steps: linear (the
          course's 1 → 0.05 over 60,000 steps) or exponential. The article's
          per-update decay reaches its floor after 919 updates, only 7,352
          recommendations in the course's loop, and its length changes with the loop's
          update frequency.
        - **ε-greedy** explores with probability ε among the products still allowed,
          and otherwise shows the best allowed product, with every random number from
          a seeded generator.

        ## What's next

        **06 · Training a DQN**: the target network, the loop that ties the vector
        shop, the replay buffer, ε-greedy and the updates together, learning curves,
        and the comparison of the trained recommender with the baselines.
        """
    ),
]

if __name__ == "__main__":
    print(write("05_replay_and_exploration", CELLS))
