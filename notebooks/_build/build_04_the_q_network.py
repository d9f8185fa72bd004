"""Build notebooks/04_the_q_network.ipynb (run from anywhere; then execute it)."""
# ruff: noqa: E501  (cell text is dedented by 8 columns; the notebook lines fit in 88)

from nbtools import code, md, write

CELLS = [
    md(
        r"""
        # 04 · The Q-network

        In notebook 01, Q-learning kept one number per state and action in a table. The
        beauty counter had four states, so the table had twelve cells. The shop of
        notebooks 02 and 03 describes a shopper with 63 numbers, and a table indexed by
        them would be useless: almost every situation a shopper is in has never been
        seen before. Deep Q-learning replaces the table by a neural network, the
        **Q-network**, that computes Q-values from the observation. This notebook builds
        that network piece by piece and fits it to data from the shop.

        **In this notebook you will**

        1. measure why a table cannot hold Q for the shop;
        2. read the Q-network layer by layer, with the shape of every tensor, and write
           its forward pass in NumPy (exercise 1);
        3. compute Q-values for a batch of shoppers from the vector shop;
        4. write the TD target and see why a shopper who *left* and a session *cut at
           the horizon* are treated differently (exercise 2);
        5. compare the Huber loss with the squared error on an outlier, see why its
           threshold must suit the shop's rewards, and write the Huber loss
           (exercise 3);
        6. fit a Q-network to a fixed batch of shop transitions with a frozen target
           network, and check against the simulator's hidden truth what it learned.

        **Prerequisites:** notebooks 01 to 03 (TD target, Q-learning, the shop's
        observation and action mask); PyTorch basics: tensors, `nn.Module`, one training
        step with an optimiser (`zero_grad`, `backward`, `step`).

        **Time:** about 50 minutes. Running every cell takes about 20 seconds.
        """
    ),
    code(
        """
        import copy
        from functools import partial

        import matplotlib.pyplot as plt
        import numpy as np
        import torch

        from beautyrl_lib.agents import dqn
        from beautyrl_lib.agents.base import masked_argmax
        from beautyrl_lib.agents.baselines import RandomPolicy
        from beautyrl_lib.agents.qnetwork import QNetwork
        from beautyrl_lib.agents.replay import ReplayBuffer, mask_after_recommending
        from beautyrl_lib.course import checks, checks_dqn
        from beautyrl_lib.sim import OBS_DIM, OBS_LAYOUT, ShopConfig, VectorShop

        SEED = 0  # every random draw below comes from generators seeded with this
        CONFIG = dqn.DQNConfig()  # the course's DQN settings: gamma 0.99, lr 5e-4, ...
        torch.set_num_threads(CONFIG.torch_threads)  # 1: fastest for small networks
        shop_config = ShopConfig()  # the course's standard shop
        n_products = shop_config.n_products  # 50
        np.set_printoptions(precision=2, suppress=True)
        """
    ),
    md(
        r"""
        ## 1. Why a table is not enough

        A table of Q-values has one row per state. It can only answer for a state it
        has visited, and only visits to *that same* state improve its row. So the first
        question is: how often does the shop see the same situation twice?

        The function below lets a random recommender serve 64 shoppers at once in the
        vector shop (notebook 02) and stores every transition $(s, a, r, s')$ with its
        two end flags in a `ReplayBuffer`, a store of transitions that notebook 05 opens
        up. One detail matters already: when a session ends, the vector shop starts the
        slot's next shopper in the same step, so `step_arrays` returns *her* first
        observation. The transition must instead end on the *finished* session's last
        observation, which the shop hands over in `info["final_obs"]`.
        """
    ),
    code(
        """
        def collect_random(seed: int, n_steps: int, num_envs: int = 64) -> ReplayBuffer:
            \"\"\"n_steps x num_envs transitions of the random recommender, in order.\"\"\"
            shop = VectorShop(shop_config, num_envs=num_envs)
            policy = RandomPolicy(seed=seed)
            log = ReplayBuffer(n_steps * num_envs, OBS_DIM, seed=seed, n_actions=n_products)
            obs, _ = shop.reset(seed=seed)
            for _ in range(n_steps):
                mask = shop.action_mask()  # (64, 50): True = not shown yet this session
                actions = policy.act(obs, mask)
                next_obs, rewards, terminated, truncated, info = shop.step_arrays(actions)
                ended = terminated | truncated  # these keep their session's last obs
                last_obs = next_obs.copy()
                if ended.any():
                    last_obs[ended] = info["final_obs"]
                next_mask = mask_after_recommending(mask, actions)
                log.add_batch(obs, actions, rewards, last_obs, terminated, truncated, next_mask)
                obs = next_obs
            return log
        """
    ),
    code(
        """
        log = collect_random(seed=SEED, n_steps=300)
        obs_log = log.obs[: len(log)]  # (19200, 63), in the order they happened
        distinct = np.unique(obs_log, axis=0)
        print(f"{len(obs_log):,} observations, {len(distinct):,} distinct")
        """
    ),
    md(
        r"""
        Now walk through the log in order and mark each observation that has never
        occurred before. The session step of an observation is its `progress` entry
        (steps taken / 20) times the horizon.
        """
    ),
    code(
        """
        seen, is_new = set(), np.zeros(len(obs_log), dtype=bool)
        for i, row in enumerate(obs_log):
            is_new[i] = row.tobytes() not in seen
            seen.add(row.tobytes())
        session_step = np.rint(obs_log[:, OBS_LAYOUT["progress"]][:, 0] * shop_config.horizon)
        steps = np.arange(10)
        share_new = [is_new[session_step == t].mean() for t in steps]

        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.bar(steps, 100 * np.array(share_new))
        ax.set_title("How often a shopper's situation is new")
        ax.set(xlabel="step of the session", ylabel="observations never seen before (%)")
        plt.show()
        """
    ),
    md(
        r"""
        What to see: at the first step of a session only the account data differ
        (declared skin type, age bracket, loyalty tier: at most 6 × 4 × 3 = 72
        combinations), so after a few hundred shoppers almost every first observation
        is a repeat. But each recommendation and response adds to the session's
        history, and the combinations multiply: after three steps more than 90% of the
        situations are new, and from step five on practically all are. A table would
        hold one row for each, visited once: nothing to average over, and no answer at
        all for the next shopper.

        What we need instead is a function that **generalises**: shoppers in similar
        situations should get similar Q-values, so that what is learned from one
        shopper carries over to the next. This is **function approximation**: a
        parametrised function $Q(s, a; \theta)$ with one set of parameters $\theta$
        shared by all situations. Learning from one transition moves $\theta$, and with
        it the Q-values of every similar situation. That is the strength of the
        approach, and also the source of most of deep Q-learning's instabilities:
        fixing one value can disturb others.

        ## 2. The Q-network

        DQN (Mnih et al., *Nature* 2015) uses a multilayer perceptron that takes the
        observation and outputs **one Q-value per action**, so a single forward pass
        scores the whole catalog. The library's `QNetwork` builds it with the course's
        default hidden layers, two of 128 units:
        """
    ),
    code(
        """
        q_net = QNetwork(OBS_DIM, n_products, hidden=CONFIG.hidden, seed=SEED)
        print(q_net)
        n_params = sum(p.numel() for p in q_net.parameters())
        print(f"{n_params:,} parameters")
        """
    ),
    md(
        r"""
        Layer by layer, for a batch of $B$ shoppers:

        | step | computes | weight shape | output shape |
        |---|---|---|---|
        | input | the observations | | (B, 63) |
        | `body.0` Linear | $h_1 = x W_1^\top + b_1$ | (128, 63) | (B, 128) |
        | `body.1` ReLU | $\max(h_1, 0)$ | | (B, 128) |
        | `body.2` Linear | $h_2 = h_1 W_2^\top + b_2$ | (128, 128) | (B, 128) |
        | `body.3` ReLU | $\max(h_2, 0)$ | | (B, 128) |
        | `q_head` Linear | $Q = h_2 W_3^\top + b_3$ | (50, 128) | (B, 50) |

        PyTorch stores a linear layer's weight as (outputs, inputs), hence the
        transpose. The ReLUs make the network non-linear, so it can express "serum is
        good *if* the shopper bought a cleanser"; the last layer has no ReLU, because
        Q-values may be negative and have no upper limit. The parameters add up to
        63·128 + 128 + 128·128 + 128 + 128·50 + 50 = 31,154.

        The network also has two *buffers*, `obs_offset` and `obs_scale`, that can
        normalise the input as $(x - \text{offset}) / \text{scale}$; they are saved
        with the weights. The shop's observations are already mostly between 0 and 1,
        so the default leaves them unchanged.

        ### Exercise 1: the forward pass

        Write the network's forward pass in NumPy: `q_network_forward(obs, weights,
        biases)` gets the observations (B, obs_dim) and the layers' weights, each
        (out, in), and biases, each (out,), in order. Apply a ReLU after every layer
        except the last.
        """
    ),
    code(
        """
        def q_network_forward(obs, weights, biases):
            \"\"\"Q-values (B, n_actions) of a ReLU network given its layers in order.\"\"\"
            ### HINT: for each layer, x @ w.T + b; then a ReLU, np.maximum(x, 0), unless it was the last layer.
            ### BEGIN SOLUTION
            x = obs
            last = len(weights) - 1
            for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
                x = x @ w.T + b  # (B, in) -> (B, out)
                if i < last:
                    x = np.maximum(x, 0.0)
            return x
            ### END SOLUTION
        """
    ),
    code(
        """
        passed = checks_dqn.check_q_network(q_network_forward)
        """
    ),
    md(
        r"""
        ### Dueling head (an option)

        `QNetwork(..., dueling=True)` replaces the last layer by two: one outputs a
        single number $V(s)$, how good the shopper's situation is whatever we show, the
        other an *advantage* $A(s, a)$ per product, how much better or worse than
        average product $a$ is. They combine as

        $$Q(s, a) = V(s) + A(s, a) - \frac{1}{|A|} \sum_{a'} A(s, a') .$$

        Subtracting the mean advantage makes the split unique, so the mean of the
        Q-values over products is exactly $V(s)$. Because $V$ is learned from every
        transition, whatever product was shown, the dueling head can learn the value of
        a situation faster when many products are about equally good (Wang et al.,
        ICML 2016). We stay with the plain head; the notebooks beyond the core course
        (08 and later) compare the two.
        """
    ),
    code(
        """
        dueling_net = QNetwork(OBS_DIM, n_products, CONFIG.hidden, dueling=True, seed=SEED)
        obs_example = torch.from_numpy(obs_log[:4])  # 4 observations, (4, 63)
        with torch.no_grad():
            value, advantage = dueling_net.value_and_advantage(obs_example)  # (4,), (4, 50)
            q_dueling = dueling_net(obs_example)  # (4, 50)
        print("V(s):            ", value.numpy())
        print("mean_a Q(s, a):  ", q_dueling.mean(dim=1).numpy())
        """
    ),
    md(
        r"""
        ## 3. Q-values for a batch of shoppers

        Eight new shoppers arrive in the vector shop. Their observations form a
        float32 array of shape (8, 63); `torch.from_numpy` turns it into a tensor
        without copying, and one forward pass gives 50 Q-values for each. Acting needs
        no gradients, so the pass runs under `torch.no_grad()`.
        """
    ),
    code(
        """
        shop = VectorShop(shop_config, num_envs=8)
        obs, _ = shop.reset(seed=SEED)
        obs_tensor = torch.from_numpy(obs)  # (8, 63) float32, shares memory with obs
        with torch.no_grad():
            q_values = q_net(obs_tensor)  # (8, 50)
        print(tuple(obs_tensor.shape), "->", tuple(q_values.shape))
        print("first 3 shoppers, first 6 products:")
        print(q_values[:3, :6].numpy())
        """
    ),
    md(
        r"""
        The library's network computes exactly the forward pass of exercise 1. Take
        its weights out as NumPy arrays and compare, using the course's reference
        version of `q_network_forward` (so this runs even if you skipped the
        exercise):
        """
    ),
    code(
        """
        layers = [q_net.body[0], q_net.body[2], q_net.q_head]
        weights = [layer.weight.detach().numpy() for layer in layers]
        biases = [layer.bias.detach().numpy() for layer in layers]
        by_hand = checks_dqn.ref_q_network_forward(obs, weights, biases)
        print(f"largest difference: {np.abs(by_hand - q_values.numpy()).max():.1e}")
        """
    ),
    md(
        r"""
        The difference is float32 rounding. A recommendation is then the product with
        the highest Q-value among those not yet shown (`masked_argmax`, notebook 03).
        The network is untrained: its Q-values are small numbers near 0 that reflect
        its random initial weights, not the shoppers, so its picks mean nothing yet.
        """
    ),
    code(
        """
        print("recommended products:", masked_argmax(q_values.numpy(), shop.action_mask()))
        print(f"Q-values range from {q_values.min():.2f} to {q_values.max():.2f} points")
        """
    ),
    md(
        r"""
        ## 4. The TD target: terminated versus truncated

        Training makes $Q(s, a; \theta)$ match the **TD target** of notebook 01, now
        for a whole batch of transitions at once:

        $$y = r + \gamma\, (1 - \text{terminated}) \max_{a'} Q_\text{target}(s', a') .$$

        Two things are new. First, the next state's value comes from a **target
        network** $Q_\text{target}$, a copy of the Q-network that is held fixed while
        the Q-network learns (section 6 shows why; notebook 06 refreshes it). Second, a
        session in the shop ends in one of two ways, and they mean different things:

        - **terminated**: the shopper *left*. Nothing comes after, so the target is
          the reward alone, $y = r$.
        - **truncated**: the session reached the horizon of 20 recommendations. The
          shopper did not leave; the simulation stops following her because it caps
          sessions, and a real shop would have gone on recommending. Her situation
          still has a future value, so the target **bootstraps through truncation**:
          $y = r + \gamma \max_{a'} Q_\text{target}(s', a')$.

        That is why `truncated` appears nowhere in the formula. Treating truncation as
        termination would teach the network that every shopper is worth nothing at
        step 20, a property of our simulation and not of shoppers. Under the random
        recommender, sessions rarely get that far:
        """
    ),
    code(
        """
        n = len(log)
        terminated, truncated = log.terminated[:n], log.truncated[:n]
        print(f"{n:,} transitions: {terminated.sum():,} ended because the shopper left, "
              f"{truncated.sum()} at the horizon")
        print(f"mean session length: {n / (terminated.sum() + truncated.sum()):.1f} steps")
        """
    ),
    md(
        r"""
        Random recommendations wear out the shoppers' patience, so sessions last about
        six steps. A good recommender keeps shoppers longer, and then many more
        sessions reach the horizon.

        The source article's snippet stores transitions as `(state, action, reward,
        next_state)`, without any end flag, so its target always bootstraps, even from
        a shopper who has left. Here is the library's `dqn.td_target` on four
        transitions, with the next state's best value given by hand, next to the
        article's rule:
        """
    ),
    code(
        """
        rewards = torch.tensor([0.0, 14.0, 1.0, 0.0])
        best_next = torch.tensor([3.2, 5.0, 4.1, 2.5])  # max_a' Q_target(s', a')
        ended_by_leaving = torch.tensor([False, True, False, False])
        cut_at_horizon = torch.tensor([False, False, False, True])  # not used: bootstraps
        targets = dqn.td_target(rewards, best_next, ended_by_leaving, CONFIG.gamma)
        article = rewards + CONFIG.gamma * best_next  # no end flag at all
        print("TD target:       ", targets.numpy())
        print("article's target:", article.numpy())
        """
    ),
    md(
        r"""
        The second transition is a purchase after which the shopper left. Its correct
        target is the 14 points earned; the article adds $0.99 \times 5 = 4.95$ points
        of a future that will never come. Over thousands of updates, the recommendations
        that end sessions get credited with the value of shoppers who are gone, and
        those are precisely what a long-term recommender should learn to avoid. The
        fourth transition, cut at the horizon, bootstraps in both.

        ### Exercise 2: the TD target

        Write `td_target(rewards, next_q_values, terminated, gamma)` for a batch, in
        NumPy: `rewards` (B,), the target network's Q-values of the next observations
        `next_q_values` (B, A), `terminated` bool (B,). Return the targets (B,).
        Truncation needs no argument: it does not change the target.
        """
    ),
    code(
        """
        def td_target(rewards, next_q_values, terminated, gamma):
            \"\"\"y = r + gamma * max_a' Q(s', a'), with no future where the shopper left.\"\"\"
            ### HINT: the best next value is the max over axis 1; keep it only where terminated is False (multiply by 1 - terminated).
            ### BEGIN SOLUTION
            best_next = next_q_values.max(axis=1)  # (B, A) -> (B,)
            return rewards + gamma * best_next * (1.0 - terminated)
            ### END SOLUTION
        """
    ),
    code(
        """
        passed = checks.check_td_target(td_target)
        """
    ),
    md(
        r"""
        From here on the notebook uses the library's version. It splits the work in
        two: `dqn.bootstrap_values(target_net, next_obs, ...)` computes the best next
        value (B,) from the target network, and `dqn.td_target` combines it with the
        rewards as above. `bootstrap_values` also takes the max only over products
        that may still be recommended in the next state, as acting does (notebook 03).

        ## 5. The loss: Huber versus squared error

        The network learns by making $Q(s, a)$ of the action taken closer to its
        target $y$. Write $x = y - Q(s, a)$ for the TD error. The squared error
        $\tfrac12 x^2$ pulls with a force (its gradient) proportional to $x$. In the
        shop most steps earn 0 points and a purchase earns 14, so when a network that
        expects about 0.2 points meets a purchase, $x \approx 14$, and that single
        transition pulls 70 times harder than a typical one. The **Huber loss** with
        threshold $\delta$ is quadratic for small errors and a straight line beyond,

        $$L_\delta(x) = \begin{cases} \tfrac12 x^2 & |x| \le \delta \\ \delta\,\big(|x| - \tfrac12 \delta\big) & |x| > \delta \end{cases}$$

        so no single TD error pulls harder than $\delta$. The two parts meet at
        $|x| = \delta$ with the same value and slope. Which $\delta$ to choose depends
        on the size of the errors that matter, so the plot shows two: $\delta = 1$
        point, the default of PyTorch's `huber_loss` and the usual choice in DQN code
        written for Atari games, whose rewards are clipped to ±1; and the course's
        $\delta$ = `CONFIG.huber_delta`. The dotted line marks the TD error of a
        purchase.
        """
    ),
    code(
        """
        x = np.linspace(-15, 15, 601)  # TD errors (points)
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
        left.plot(x, 0.5 * x**2, label="squared error ½x²")
        right.plot(x, x, label="squared error")
        for delta in (1.0, CONFIG.huber_delta):
            left.plot(x, checks_dqn.ref_huber_loss(x, delta), label=f"Huber, δ = {delta:g}")
            right.plot(x, np.clip(x, -delta, delta), label=f"Huber, δ = {delta:g}")
        for ax in (left, right):
            ax.axvline(14, color="grey", ls=":", label="a purchase, x = 14")
        left.set(title="Loss of one TD error", xlabel="TD error x (points)",
                 ylabel="loss (points²)")
        right.set(title="Its pull on Q (the gradient)", xlabel="TD error x (points)",
                  ylabel="-dL/dQ (points)")
        left.legend()
        right.legend()
        plt.show()
        """
    ),
    md(
        r"""
        What to see: on the left, each Huber loss agrees with the squared error up to
        its $\delta$ and then grows in a straight line. On the right, the pull of the
        squared error keeps growing with the error, while each Huber pull stops at
        $\pm\delta$. At a purchase, $\delta = 1$ keeps a fourteenth of the squared
        error's pull, $\delta = 10$ keeps ten fourteenths.

        Now a batch of eight transitions whose targets the network already predicts
        within a few tenths of a point, except one surprise purchase with a TD error of
        13.5. How much of the whole gradient does that one transition cause?
        """
    ),
    code(
        """
        td_errors = torch.tensor([0.3, -0.2, 0.1, -0.4, 0.2, 13.5, -0.1, 0.3])
        losses = {"squared error": torch.nn.functional.mse_loss}
        for delta in (1.0, CONFIG.huber_delta):
            huber = partial(torch.nn.functional.huber_loss, delta=delta)
            losses[f"Huber, δ = {delta:g}"] = huber
        for name, loss_fn in losses.items():
            q = torch.zeros(8, requires_grad=True)
            loss_fn(q, td_errors).backward()  # targets = errors, since Q = 0
            share = q.grad[5].abs() / q.grad.abs().sum()
            print(f"{name:<14} the purchase causes {share:.0%} of the gradient")
        """
    ),
    md(
        r"""
        With the squared error, one transition out of eight decides 89% of the update.
        Huber with $\delta = 1$ cuts the purchase's share to 38%, so the other seven
        keep a say; with $\delta = 10$ the purchase still causes 86%, because its error
        of 13.5 is only a little beyond the threshold. The Adam optimiser rescales the
        step size per parameter, which softens differences in size, but not in
        direction.

        Is capping the purchase's pull a protection or a loss? That depends on what
        the large error is. If it is noise, say a next-state value the target network
        got badly wrong, capping it protects the network. In the shop, though, most
        large errors are the purchases themselves, and they are the signal: a
        recommendation's Q-value should be what it earns *on average*, and that
        average is made mostly of its rare purchases.

        To see the cost, fit a single number, the "Q-value" of one recommendation,
        to 10,000 of its TD targets: 0 points when the shopper does not buy, which
        happens 93% of the time, and between 10 and 14 points when she does. The
        fitted number is the one with the lowest mean loss among candidates 0.000,
        0.005, ..., 2.000 points. Q-learning needs the **mean**, the expected return.
        """
    ),
    code(
        """
        rng = np.random.default_rng(SEED)
        sells = rng.random(10_000) < 0.07  # 7% of the shoppers buy
        targets_one = np.where(sells, rng.uniform(10.0, 14.0, size=10_000), 0.0)
        candidates = np.linspace(0.0, 2.0, 401)  # (401,) constants to try (points)
        errors = targets_one[None, :] - candidates[:, None]  # (401, 10000)
        print(f"mean {targets_one.mean():.3f}, median {np.median(targets_one):.3f}")
        fits = {"squared error": 0.5 * errors**2}
        for delta in (1.0, CONFIG.huber_delta):
            fits[f"Huber, δ = {delta:g}"] = checks_dqn.ref_huber_loss(errors, delta)
        for name, loss in fits.items():
            print(f"{name:<14} fits {candidates[loss.mean(axis=1).argmin()]:.3f} points")
        """
    ),
    md(
        r"""
        The squared error fits 0.840 points, the mean up to the 0.005-point steps of
        the candidates: minimising the squared error gives the mean. Huber with
        $\delta = 1$ fits 0.075 points, less than a tenth of the mean and close to the
        median of 0. Beyond its threshold every target pulls with the same force 1,
        however large it is, so the 93% of zeros, each pulling down with the fitted
        value $c$, balance the 7% of purchases already where $0.93\,c = 0.07 \times 1$,
        at $c \approx 0.075$. A product bought by 7% of the shoppers it is shown to
        would be valued as if fewer than 1 in 100 bought it, and a recommender that
        ranks by Q would pass over exactly the products that sometimes sell. Huber
        with $\delta = 10$ fits 0.745 points, 88% of the mean: still a little low,
        because the purchases' errors of 10 to 14 points are capped at 10, but close.

        That is why the course uses $\delta = 10$ points (`CONFIG.huber_delta`): large
        enough that a purchase keeps most of its pull, small enough that much larger
        errors, such as those of next-state values gone wrong early in training, are
        still capped. The difference shows in training. A DQN trained with the
        course's settings (`python -m beautyrl_lib train --out DIR --seed N
        --huber-delta D`) and then compared on the 10,000 shoppers of cohort 7
        (`python -m beautyrl_lib compare --sessions 10000 --seed 7`) earned 2.77
        points per session with $\delta = 1$ (seed 0), and 3.04, 3.01 and 3.19 with
        $\delta = 10$ (seeds 0, 1 and 2), against 2.48 for the greedy recommender.
        The article's snippet uses the squared error (`nn.MSELoss`), which is Huber
        with $\delta = \infty$: it fits the mean exactly and caps nothing.

        ### Exercise 3: the Huber loss

        Write `huber_loss(td_errors, delta)` returning the loss of each TD error (same
        shape as `td_errors`, no mean).
        """
    ),
    code(
        """
        def huber_loss(td_errors, delta):
            \"\"\"0.5 * x**2 where |x| <= delta, else delta * (|x| - 0.5 * delta); elementwise.\"\"\"
            ### HINT: work with np.abs(td_errors) and pick the quadratic or the linear part per element with np.where.
            ### BEGIN SOLUTION
            abs_x = np.abs(td_errors)
            return np.where(abs_x <= delta, 0.5 * abs_x**2, delta * (abs_x - 0.5 * delta))
            ### END SOLUTION
        """
    ),
    code(
        """
        passed = checks_dqn.check_huber_loss(huber_loss)
        """
    ),
    md(
        r"""
        The library's `dqn.dqn_loss(q_values, actions, td_targets, delta)` is the mean
        Huber loss over a batch. It first picks from the network's output (B, 50) the
        Q-value of the product actually recommended in each transition, with
        `q_values.gather(1, actions.unsqueeze(1))`: shape (B, 1), squeezed to (B,).
        The other 49 Q-values of a row get no gradient from that transition.

        ## 6. Fitting Q on a fixed batch

        Everything is in place to fit a Q-network: the 19,200 transitions of the
        random recommender from section 1, a fresh Q-network (the *online* network),
        a frozen copy of it as the target network, and Adam. Each gradient step draws
        256 transitions (`CONFIG.batch_size`) uniformly from the log.

        Because the target network never changes here, the targets $y = r + \gamma
        \max_{a'} Q_\text{target}(s', a')$ never change either: this is ordinary
        supervised regression. (If the targets came from the online network itself,
        every step would also move the targets it is chasing.)
        """
    ),
    code(
        """
        online = QNetwork(OBS_DIM, n_products, CONFIG.hidden, seed=SEED + 1)
        target = copy.deepcopy(online).requires_grad_(False)  # frozen for this section
        optimizer = torch.optim.Adam(online.parameters(), lr=CONFIG.lr)


        def batch_targets(batch) -> torch.Tensor:
            \"\"\"TD targets (B,) of a Batch of transitions, from the frozen target network.\"\"\"
            with torch.no_grad():  # no gradient flows into the targets
                best_next = dqn.bootstrap_values(target, batch.next_obs,
                                                 next_action_mask=batch.next_action_mask)
                return dqn.td_target(batch.rewards, best_next, batch.terminated, CONFIG.gamma)


        def batch_loss(batch) -> torch.Tensor:
            \"\"\"Mean Huber loss of the online network on a Batch of transitions.\"\"\"
            q_values = online(batch.obs)  # (B, 50)
            targets = batch_targets(batch)  # (B,)
            return dqn.dqn_loss(q_values, batch.actions, targets, CONFIG.huber_delta)
        """
    ),
    md(
        r"""
        Two yardsticks tell whether the network learns something that carries over to
        shoppers it never trains on:

        - the loss on 4,096 transitions of *other* shoppers (held out), next to the
          loss of the best constant, a "network" that predicts the same number for
          every shopper and product;
        - the hidden truth. The simulator knows each shopper's hidden profile and can
          compute the true expected reward of recommending each product right now, a
          thing no real shop could do. With the target network frozen at random
          weights worth almost nothing, the targets are essentially the rewards, so
          fitted Q-values should follow these expected rewards. We measure their
          correlation on 256 new shoppers after two random recommendations.
        """
    ),
    code(
        """
        held_out = collect_random(seed=1_000_000, n_steps=64)  # 4,096 other shoppers' steps
        held_out_batch = held_out.sample(len(held_out))  # fixed: 4,096 draws from it
        y = batch_targets(held_out_batch)
        grid = np.linspace(0.0, 1.0, 101)  # candidate constants (points)
        huber = partial(torch.nn.functional.huber_loss, delta=CONFIG.huber_delta)
        constant_losses = [huber(torch.full_like(y, c), y).item() for c in grid]
        constant_loss = min(constant_losses)  # the best single prediction for everyone
        print(f"held-out loss of the best constant: {constant_loss:.3f}")
        """
    ),
    code(
        """
        test_shop = VectorShop(shop_config, num_envs=256)
        test_obs, _ = test_shop.reset(seed=2_000_000)
        tester = RandomPolicy(seed=SEED)
        for _ in range(2):
            test_obs, *_ = test_shop.step_arrays(tester.act(test_obs, test_shop.action_mask()))
        allowed = test_shop.action_mask()  # (256, 50)
        truth = test_shop.core.expected_rewards()[allowed]  # hidden truth, only for checking


        def truth_correlation(net) -> float:
            \"\"\"Correlation of net's Q-values with the true expected rewards.\"\"\"
            with torch.no_grad():
                q_values = net(torch.from_numpy(test_obs)).numpy()[allowed]
            return float(np.corrcoef(q_values, truth)[0, 1])
        """
    ),
    md(
        r"""
        The fitting loop: 400 gradient steps, and every 20 steps the two yardsticks.
        """
    ),
    code(
        """
        N_STEPS, EVAL_EVERY = 400, 20
        train_losses, held_out_losses, correlations = [], [], []
        for step in range(N_STEPS + 1):
            if step % EVAL_EVERY == 0:
                with torch.no_grad():
                    held_out_losses.append(batch_loss(held_out_batch).item())
                correlations.append(truth_correlation(online))
            if step < N_STEPS:
                loss = batch_loss(log.sample(CONFIG.batch_size))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                train_losses.append(loss.item())
        print(f"held-out loss {held_out_losses[0]:.3f} -> {held_out_losses[-1]:.3f}, "
              f"correlation with the truth {correlations[0]:.2f} -> {correlations[-1]:.2f}")
        """
    ),
    code(
        """
        window, checkpoints = 50, np.arange(0, N_STEPS + 1, EVAL_EVERY)
        smooth = np.convolve(train_losses, np.ones(window) / window, mode="valid")
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
        left.plot(np.arange(window, N_STEPS + 1), smooth,
                  label=f"training batches, mean of {window}")
        left.plot(checkpoints, held_out_losses, "o-", ms=3, label="held-out shoppers")
        left.axhline(constant_loss, color="grey", ls="--", label="best constant, held out")
        left.set_title("Loss while fitting Q")
        left.set(xlabel="gradient step", ylabel="Huber loss (points²)", ylim=(0.30, 0.80))
        right.plot(checkpoints, correlations, "o-", ms=3, color="C2")
        right.set(title="Agreement with the hidden truth", xlabel="gradient step",
                  ylabel="correlation of Q with E[reward]", ylim=(-0.3, 0.7))
        left.legend(loc="lower left")
        plt.show()
        """
    ),
    md(
        r"""
        What to see: on the left, the held-out loss falls within the first 100 steps
        to the dashed line of the best constant and then stays on it; the training
        curve wanders above and below, because one purchase more or less in a batch of
        256 changes its loss by about a third: a purchase's TD error of about 14
        points costs $10 \times (14 - 5) = 90$, shared by 256 transitions. The loss
        cannot go to zero: the same shopper shown the same product sometimes buys and
        mostly does not, so the best any network can do is predict the *average*, and
        almost all of the loss is this noise. Judged by its loss, the network is no
        better than a constant. On the right, the same steps tell a different story:
        the correlation with the true expected reward starts near zero, where the
        random initial weights put it, and climbs to between 0.3 and 0.4 within about
        150 steps. The network has learned which products are promising for which
        shoppers, including shoppers it never saw, from transitions that mostly earned
        nothing. The correlation stays far from 1, wavering between 0.35 and 0.40 for
        the rest of the run: the 19,200 transitions are few and noisy, and the
        observation does not reveal everything about a shopper.

        The lesson reaches beyond this notebook: in RL a falling loss is not the goal,
        and a flat loss does not mean nothing was learned. Notebook 06 judges a DQN by
        the return of its recommendations instead.

        **Limits of this demonstration.** With the target network frozen at its random
        initial weights, what we fitted is only *one step* of the Bellman backup: the
        expected immediate reward plus a nearly constant, meaningless bootstrap term.
        Its greedy policy would be a myopic recommender, like the greedy baseline of
        notebook 02. To look further ahead, the target network must be refreshed with
        the online network's weights from time to time, so that each refresh adds one
        more step of look-ahead; and the data must come from a recommender that
        improves as it learns instead of from a random one. That is the DQN loop of
        notebook 06.

        ## Summary

        - A shopper's situation is almost never repeated after a few steps, so a
          table of Q-values cannot work; a **Q-network** $Q(s, a; \theta)$ generalises
          across similar situations.
        - The course's Q-network is a perceptron 63 → 128 → 128 → 50 with ReLUs
          between layers and none on the output: one forward pass scores every
          product (31,154 parameters). The **dueling** head splits the output into a
          value $V(s)$ and mean-centred advantages.
        - The **TD target** is $y = r + \gamma (1 - \text{terminated}) \max_{a'}
          Q_\text{target}(s', a')$. A shopper who **left** has no future; a session
          **cut at the horizon** bootstraps through the truncation. A finished
          session's transition ends on its own last observation, never on the next
          shopper's first.
        - The **Huber loss** is the squared error for TD errors up to $\delta$ and
          linear beyond, so no single transition pulls harder than $\delta$. A small
          $\delta$ also changes *what* Q estimates: with rare large rewards,
          $\delta = 1$ fits near their median instead of their mean and undervalues
          products that sometimes sell. The course uses $\delta = 10$ points, which keeps most
          of a purchase's pull and caps only larger errors.
        - With a **frozen target network**, fitting Q is supervised regression. On
          random-policy data it learns the expected immediate reward, visibly
          correlated with the simulator's hidden truth, while the loss stays far from
          zero because rewards are noisy.

        ## What's next

        **05 · Replay and ε-greedy**: why the network must not learn from transitions
        in the order they happen, how the replay buffer used here stores and samples
        them, and how the recommender should explore while it learns.
        """
    ),
]

if __name__ == "__main__":
    print(write("04_the_q_network", CELLS))
