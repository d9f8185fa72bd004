"""Build notebooks/03_state_action_reward.ipynb (run from anywhere; then execute it)."""
# ruff: noqa: E501  (cell text is dedented by 8 columns; the notebook lines fit in 88)

from nbtools import code, md, write

CELLS = [
    md(
        r"""
        # 03 · State, action and reward design

        An RL algorithm learns whatever the loop asks of it. Three parts of that loop
        are not chosen by the algorithm but by us, the shop's engineers: what the agent
        **sees** (the state), what it **can do** (the actions) and what it is **paid
        for** (the reward). Get them wrong and the best algorithm learns the wrong
        thing, quickly and reliably. This notebook looks at each choice in the beauty
        shop, with measurements.

        **In this notebook you will**

        1. separate what the shop observes from the shopper's hidden profile, and read
           the 63 numbers of an observation;
        2. see why encoding and scale matter, and normalise observations with running
           statistics (exercise 1);
        3. mask the products that cannot pay and measure what the mask is worth
           (exercise 2);
        4. compare the shop's three reward modes (exercise 3) and watch a recommender
           *hack* its reward: score well on the number it was given while serving
           shoppers worse.

        **Prerequisites:** notebooks 01 and 02 (the RL loop; the shop, its baselines and
        evaluation on a fixed cohort of shoppers); NumPy broadcasting.

        **Time:** about 45 minutes.
        """
    ),
    code(
        """
        import matplotlib.pyplot as plt
        import numpy as np
        from IPython.display import Markdown, display

        from beautyrl_lib import evaluation, plots
        from beautyrl_lib.agents.base import Policy
        from beautyrl_lib.agents.baselines import GreedyPolicy, PopularityPolicy, RandomPolicy
        from beautyrl_lib.course import checks_design, glossary
        from beautyrl_lib.sim import (
            OBS_DIM,
            OBS_LAYOUT,
            BeautyShopEnv,
            ShopConfig,
            VectorShop,
            encoding,
            split_observation,
        )
        from beautyrl_lib.sim.rewards import funnel_value

        SEED = 0  # every random draw below comes from generators seeded with this
        SHOP = ShopConfig()  # the course's default shop: 50 products, funnel reward
        np.set_printoptions(precision=2, suppress=True)
        """
    ),
    md(
        r"""
        ## 1. Three of the seven elements

        Notebook 01 listed the seven elements of RL named by the source article. Three
        of them are design decisions, and they are the subject of this notebook:
        """
    ),
    code(
        """
        terms = ["state", "action", "reward", "state space / action space", "reward function"]
        columns = ("english", "chinese", "meaning", "in_the_shop")
        display(Markdown(glossary.glossary_markdown(terms, columns=columns)))
        """
    ),
    md(
        r"""
        In the tiny counter of notebook 01 the state was one of four names and the
        algorithm could look up a row of a table. In the shop, the state is a vector of
        63 numbers that *we* assemble from what the shop knows, the action is one of 50
        products, and the reward is a formula we pick. Each choice changes what the
        agent can learn.

        ## 2. What the shop sees, and what it does not

        Notebook 02 met the two objects that make up a shopper. The **hidden profile**
        (true skin type, concerns, budget, price sensitivity, patience, trust in the
        shop) drives every click and purchase, but a real shop never reads it. The
        **observation** (what the agent actually receives as its state) holds only what
        a shop could know: the skin type the shopper declared in their account (60% of
        shoppers do), coarse demographics, the loyalty tier, and the session so far.

        Let us follow shopper 1 for six recommendations, always showing the next best
        seller, and then put the observation next to the hidden profile.
        """
    ),
    code(
        """
        env = BeautyShopEnv(SHOP)
        obs, info = env.reset(seed=1)
        best_sellers = np.argsort(-env.catalog.popularity)[:6]
        for product in best_sellers:
            obs, reward, terminated, truncated, info = env.step(int(product))
            response = "bought" if info["purchase"] else "clicked" if info["click"] else "ignored"
            print(f"{env.catalog.names[product]:<38} ${info['price']:6.2f}  {response}")
        """
    ),
    code(
        """
        print(encoding.describe_observation(obs))
        """
    ),
    code(
        """
        print(encoding.describe_profile(env.hidden_profile()))
        """
    ),
    md(
        r"""
        Read the two tables side by side.

        - The shopper declared `sensitive` skin, and that is true. For the 40% who
          declare nothing, the first part reads `not declared` and the shop must guess.
        - Her four concerns, her $327 budget, her price sensitivity, her patience and
          her trust appear nowhere in the observation. The shop sees *consequences*:
          five ignored recommendations, then one click on a mask, no spending yet.
        - Her trust rose from 1 to 1.25 when she clicked the mask, because it suits
          sensitive skin. The shop cannot see that number, but it will feel it: trust
          raises the chance of every later click.
        - The `skin_evidence` part is the shop's own inference from responses: a click
          followed by a cart raises the evidence for the skin types the product suits,
          a click without a cart lowers it. She clicked the mask (made for oily and
          sensitive skin) but did not put it in her cart, so the evidence now points
          *away* from sensitive skin, the wrong way. The cart decision depends only
          weakly on fit, so one response is weak evidence; it adds up over a session.

        Because two shoppers with the same observation can have very different
        patience and budgets, the observation is *not* the full state of the
        environment. RL calls this a **partially observable** problem. The session
        history in the observation (counts, last response, skin evidence) is the shop's
        memory, and it is what lets an agent learn about a shopper as the session goes
        on. Keeping the hidden profile out of the observation is also what keeps the
        comparison honest: the oracles of notebook 02 read the profile, the deployable
        recommenders never do.

        ## 3. Encoding: one-hot, counts and scale

        The observation is a flat `float32` vector, built by the rules in
        `beautyrl_lib.sim.observation`:

        - **Categories become one-hot vectors.** The declared skin type could be stored
          as one integer (dry = 0, ..., sensitive = 4), but a network would then read
          "sensitive" as four times "oily", and dry as closer to oily than to sensitive.
          A one-hot vector gives each value its own entry, and every pair of values is
          equally far apart:
        """
    ),
    code(
        """
        as_integer = {"dry": 0, "oily": 1, "sensitive": 4}
        one_hot = {name: np.eye(5)[code] for name, code in as_integer.items()}
        for a, b in [("dry", "oily"), ("dry", "sensitive")]:
            gap_int = abs(as_integer[a] - as_integer[b])
            gap_hot = np.linalg.norm(one_hot[a] - one_hot[b])
            print(f"{a} vs {b:<10} integer distance {gap_int}   one-hot distance {gap_hot:.2f}")
        """
    ),
    md(
        r"""
        - **Counts and amounts are divided by a fixed scale**: per-category counts by 5,
          spend by $100, the step by the step limit. This keeps most entries near the
          range 0 to 1, but not all of them, and not with the same spread.

        To see the scales in practice we collect observations the way training will:
        256 shoppers at once in the vector shop, served by the random recommender for
        20 steps (finished sessions restart with a new shopper).
        """
    ),
    code(
        """
        shop = VectorShop(SHOP, num_envs=256)
        obs_batch, _ = shop.reset(seed=SEED)
        recommender = RandomPolicy(SEED)
        batches = []  # 20 batches of shape (256, 63)
        for _ in range(20):
            batches.append(obs_batch)
            actions = recommender.act(obs_batch, shop.action_mask())
            obs_batch, *_ = shop.step_arrays(actions)
        observations = np.concatenate(batches)  # (5120, 63)
        for name, part in split_observation(observations).items():
            spread = part.std(axis=0)
            print(f"{name:<19} range {part.min():5.2f} to {part.max():4.2f}   std per entry {spread.min():.3f} to {spread.max():.3f}")
        """
    ),
    md(
        r"""
        The entries differ in spread by more than a factor of 100: a one-hot entry has
        a standard deviation near 0.4, the purchase counts 0.02 or less (purchases
        are rare), and the skin evidence runs from about −1.4 to 1.4. Four entries
        never moved at all in this batch: nobody bought a serum, a foundation, a
        mascara or an eyeshadow.

        **Why scale matters.** A network starts with weights of similar size for every
        input, and gradient descent moves them with one learning rate. An input that
        barely varies barely changes the output, so the network needs a huge weight to
        use it and learns it slowly, even when it carries the most information (a
        purchase!). An input with a large spread dominates the first layer's
        activations instead. The usual cure is to **normalise**: subtract each entry's
        mean and divide by its standard deviation, so every entry has mean 0 and
        spread 1.

        ### Exercise 1: normalise a batch

        Write `normalize(batch, mean, var, eps)`: for a batch of shape (N, D) and
        per-entry statistics `mean` and `var` of shape (D,), return
        $(x - \mu) / \sqrt{\sigma^2 + \varepsilon}$ for every row. The small
        $\varepsilon$ keeps an entry that never varied (variance 0) finite.
        """
    ),
    code(
        """
        def normalize(batch, mean, var, eps):
            \"\"\"(batch - mean) / sqrt(var + eps); batch (N, D), mean and var (D,) -> (N, D).\"\"\"
            ### HINT: NumPy broadcasts (N, D) with (D,): no loop needed; eps goes inside np.sqrt.
            ### BEGIN SOLUTION
            return (batch - mean) / np.sqrt(var + eps)
            ### END SOLUTION
        """
    ),
    code(
        """
        passed = checks_design.check_normalize(normalize)
        """
    ),
    md(
        r"""
        ### Running statistics

        Which mean and variance? During training, observations arrive batch after
        batch, and storing all of them to recompute the statistics would be wasteful.
        `encoding.RunningNormalizer` keeps only three things: the count, the mean and
        the variance. When a batch of $n$ observations with mean $\bar{x}_B$ and
        variance $\sigma_B^2$ arrives after $m$ observations with mean $\bar{x}_A$ and
        variance $\sigma_A^2$, the combined statistics are exactly

        $$\delta = \bar{x}_B - \bar{x}_A, \qquad
        \bar{x} = \bar{x}_A + \delta \frac{n}{m + n}, \qquad
        \sigma^2 = \frac{m\,\sigma_A^2 + n\,\sigma_B^2 + \delta^2 \frac{m n}{m + n}}{m + n},$$

        the batch form of Welford's algorithm. The last term accounts for the two
        groups having different means. From here on the notebook uses the library's
        normaliser, so it runs whether or not you did the exercise. We feed it the 20
        batches one at a time and compare with NumPy on all the data at once:
        """
    ),
    code(
        """
        normalizer = encoding.RunningNormalizer(OBS_DIM)
        for batch in batches:
            normalizer.update(batch)
        stacked = observations.astype(np.float64)
        print("observations seen:", normalizer.count)
        print(f"largest mean difference:     {np.abs(normalizer.mean - stacked.mean(axis=0)).max():.1e}")
        print(f"largest variance difference: {np.abs(normalizer.var - stacked.var(axis=0)).max():.1e}")
        """
    ),
    md(
        r"""
        The running statistics agree with NumPy's to rounding error. Now compare each
        entry's spread before and after normalising:
        """
    ),
    code(
        """
        normalized = normalizer.normalize(observations)
        entries = np.arange(OBS_DIM)
        with plots.style():
            fig, ax = plt.subplots(figsize=(11, 4.2))
            ax.semilogy(entries, observations.std(axis=0), "o", label="raw observation")
            ax.semilogy(entries, normalized.std(axis=0), "x", label="normalised")
            for sl in OBS_LAYOUT.values():
                ax.axvline(sl.start - 0.5, color=plots.GREY, linewidth=0.6)
            centres = [(sl.start + sl.stop - 1) / 2 for sl in OBS_LAYOUT.values()]
            ax.set_xticks(centres, list(OBS_LAYOUT), rotation=90)
            ax.set(title="Spread of each observation entry over 5120 observations",
                   xlabel="observation part (entries 0 to 62, grey lines separate parts)",
                   ylabel="standard deviation (entry units, log)")
            ax.legend(loc="lower left")
            plt.show()
        """
    ),
    md(
        r"""
        What to see: the raw spreads (dots) cover two orders of magnitude, from about
        0.5 for the one-hot parts down to 0.004 for the rarest purchase count. After
        normalising (crosses) every entry that varied has spread 1. The four entries
        that never varied are missing from both curves: their spread is 0, which a log
        axis cannot show, and they normalise to 0.

        **Nothing is clipped, and that has a price.** An entry with a tiny spread is
        divided by that tiny spread, so the rare shopper who does buy in such a
        category gets a very large normalised value:
        """
    ),
    code(
        """
        bought = OBS_LAYOUT["bought_by_category"]
        print(f"largest |normalised value| over the batch: {np.abs(normalized).max():.1f}")
        print(f"... among the purchase counts:            {np.abs(normalized[:, bought]).max():.1f}")
        """
    ),
    md(
        r"""
        Such outliers can jolt a network. Common remedies are to gather statistics on
        more data before training, to raise `eps` (it bounds every normalised value by
        $|x - \mu| / \sqrt{\varepsilon}$), or to clip. The library does not clip, so
        you can see the effect and choose.

        One more rule: the statistics are part of the trained agent. A network trained
        on normalised inputs must see inputs normalised the same way later, so the
        normaliser is saved next to the network's weights, as torch tensors that
        `torch.load(..., weights_only=True)` accepts:
        """
    ),
    code(
        """
        state = normalizer.state_dict()
        print({key: tuple(value.shape) for key, value in state.items()})
        """
    ),
    md(
        r"""
        ## 4. Actions and masking

        The action space is `Discrete(50)`: at each step the agent picks one product
        index. (Real shops show a *slate* of several products at once; later notebooks
        come back to that.)

        Not every action is worth taking. A shopper never clicks a product already
        shown in the session, so showing it again earns nothing *and* costs patience,
        like any ignored recommendation. The shop therefore tells the agent which
        products are still worth showing: `info["action_mask"]` in the single
        environment (1 = not shown yet) and `VectorShop.action_mask()` for a batch
        (True = not shown yet). After the six best sellers, shopper 1 has 44 products
        left:
        """
    ),
    code(
        """
        mask = info["action_mask"]
        print(mask.dtype, mask.shape, "->", mask.sum(), "products still worth showing")
        print("best sellers shown:", best_sellers, " their mask entries:", mask[best_sellers])
        """
    ),
    md(
        r"""
        An agent could in principle *learn* that repeats never pay, but that costs
        samples and never quite reaches zero. **Masking** removes the invalid choices
        outright: before picking the best-scoring product, set the scores of masked
        products to $-\infty$.

        ### Exercise 2: the masked argmax

        Write `masked_argmax(scores, mask)`: for scores of shape (N, A) and a boolean
        mask of the same shape (True = allowed), return for each row the index of the
        highest score among the allowed products, an integer array of shape (N,).
        Assume every row allows at least one product.
        """
    ),
    code(
        """
        def masked_argmax(scores, mask):
            \"\"\"Per row, the index of the best score where mask is True; (N, A) -> (N,).\"\"\"
            ### HINT: give masked products a score that every allowed product beats (-np.inf), then argmax each row.
            ### BEGIN SOLUTION
            return np.where(mask, scores, -np.inf).argmax(axis=1)
            ### END SOLUTION
        """
    ),
    code(
        """
        passed = checks_design.check_masked_argmax(masked_argmax)
        """
    ),
    md(
        r"""
        Every policy of the course calls the library's version,
        `beautyrl_lib.agents.base.masked_argmax`, so what follows runs whether or not
        you solved the exercise.

        How much is the mask worth? To find out, we wrap a policy so that it is
        *told* every product is allowed, then evaluate each policy with and without
        its mask on the same 500 shoppers (an evaluation cohort, as in notebook 02).
        """
    ),
    code(
        """
        class IgnoreMask(Policy):
            \"\"\"The wrapped policy, told that every product is still allowed.\"\"\"

            def __init__(self, inner: Policy) -> None:
                self.inner = inner

            def act(self, obs, action_mask, shop=None):
                return self.inner.act(obs, np.ones_like(action_mask), shop)
        """
    ),
    code(
        """
        popularity = PopularityPolicy().fit(SHOP, seed=SEED)
        masking = evaluation.compare(
            {
                "random": RandomPolicy(SEED),
                "random, no mask": IgnoreMask(RandomPolicy(SEED)),
                "popularity": popularity,
                "popularity, no mask": IgnoreMask(popularity),
            },
            SHOP, n_sessions=500, seed=SEED,
        )
        print(masking.table())
        """
    ),
    code(
        """
        plots.plot_comparison(masking)
        """
    ),
    code(
        """
        for name in ("random", "popularity"):
            diff, low, high = masking.paired(name, f"{name}, no mask")
            print(f"{name}: the mask adds {diff:.2f} points per session, 95% interval {low:.2f} to {high:.2f}")
        """
    ),
    md(
        r"""
        What to see: for the random policy the two bars are close and their intervals
        overlap widely. With 50 products a random pick repeats an earlier one only
        rarely (after five recommendations, with chance 5 in 50), so the loss is
        small. Yet the *paired* difference, measured shopper by shopper on the same
        cohort, stays above zero: the mask is a small but real gain, about 0.1 points
        per session.

        For popularity the mask is everything. Without it the policy is deterministic
        and shows its favourite best seller at every step. From the second step on
        nothing can be clicked (the click rate falls from 0.119 to 0.017), and the
        return falls from 1.46 to 0.24 points, by more than 80%. Any recommender that
        ranks products by a score (popularity, a greedy model, a Q-network) behaves
        like this without a mask.

        The same rule applies inside learning. In notebooks 04 to 06 the TD target
        uses the best Q-value of the *next* state; that maximum must also be taken over
        the products still allowed there, or the agent bootstraps from recommendations
        it can never make.

        ## 5. Reward design

        The shop offers three reward modes (`ShopConfig.reward_mode`, documented in
        `beautyrl_lib.sim.rewards`):

        - **funnel** (the default): points per funnel stage reached, 1 for a click,
          3 more for an add-to-cart, 10 more for a purchase. Dense enough to learn
          from, and it says the shop cares most about sales.
        - **revenue**: the price of a purchase in dollars, 0 otherwise. What a finance
          dashboard would report.
        - **suitability**: like funnel, but a purchase earns the 10 points scaled by
          $2s - 1$, where $s \in [0, 1]$ is how well the product suits the shopper's
          skin. A good fit ($s = 0.9$) earns 8, a neutral one ($s = 0.5$) 0, and a poor
          fit ($s = 0.15$) *costs* 7.

        ### Exercise 3: the suitability-aware reward

        Write `suitability_reward(click, cart, purchase, suitability, weights)` for
        one step, where `click`, `cart` and `purchase` are booleans and `weights` is
        `(w_click, w_cart, w_purchase)`.
        """
    ),
    code(
        """
        def suitability_reward(click, cart, purchase, suitability, weights):
            \"\"\"Funnel points, with the purchase points scaled by 2 * suitability - 1.\"\"\"
            ### HINT: add the points of each stage reached, as in funnel mode; scale only the purchase points.
            ### BEGIN SOLUTION
            w_click, w_cart, w_purchase = weights
            return w_click * click + w_cart * cart + w_purchase * purchase * (2 * suitability - 1)
            ### END SOLUTION
        """
    ),
    code(
        """
        passed = checks_design.check_suitability_reward(suitability_reward)
        """
    ),
    md(
        r"""
        The shop computes all three modes with one function,
        `beautyrl_lib.sim.rewards.funnel_value`. Here is what each mode pays for a few
        outcomes of recommending a $60 serum:
        """
    ),
    code(
        """
        outcomes = {  # (click, cart, purchase, suitability)
            "ignored": (0, 0, 0, 0.9),
            "clicked only": (1, 0, 0, 0.9),
            "bought, suits (0.9)": (1, 1, 1, 0.9),
            "bought, poor fit (0.15)": (1, 1, 1, 0.15),
        }
        print(f"{'outcome':<25}" + "".join(f"{mode:>13}" for mode in ("funnel", "revenue", "suitability")))
        for name, (click, cart, purchase, fit) in outcomes.items():
            rewards = [funnel_value(ShopConfig(reward_mode=mode), click, cart, purchase, 60.0, fit)
                       for mode in ("funnel", "revenue", "suitability")]
            print(f"{name:<25}" + "".join(f"{r:>13.1f}" for r in rewards))
        """
    ),
    md(
        r"""
        Funnel and revenue cannot tell the two purchases apart; only the suitability
        mode sees that the second one will disappoint the shopper. The reward modes
        also differ in scale (points against dollars), which matters for a Q-network's
        targets, but not for which product is best.

        ## 6. Reward hacking

        A reward is a *proxy* for what we want: shoppers who find products that suit
        them and come back. An optimiser maximises the proxy, not our intention, and
        where the two part ways it exploits the gap. This is **reward hacking**
        (Goodhart's law: when a measure becomes a target, it ceases to be a good
        measure).

        To see it we fit the same recommender, the greedy model of notebook 02 (one
        ridge regression per product predicting the immediate reward from the
        observation), four times, each on training shoppers paid a different reward:

        - the default **funnel** points;
        - **clicks only**: funnel weights (1, 0, 0), the click-through rate that many
          recommender dashboards track;
        - **revenue**;
        - **suitability**.

        Then we evaluate all four on the *same* 5,000 shoppers of the default shop and
        report what happened to the shoppers, not only the reward each was trained on.
        (Fitting takes a few seconds.)
        """
    ),
    code(
        """
        REWARDS = {
            "funnel": ShopConfig(),
            "clicks only": ShopConfig(reward_weights=(1.0, 0.0, 0.0)),
            "revenue": ShopConfig(reward_mode="revenue"),
            "suitability": ShopConfig(reward_mode="suitability"),
        }
        N_SESSIONS = 5000
        greedy = {name: GreedyPolicy().fit(config, seed=SEED) for name, config in REWARDS.items()}
        hacking = evaluation.compare(greedy, SHOP, n_sessions=N_SESSIONS, seed=SEED)
        """
    ),
    md(
        r"""
        Each metric below is a ratio of totals over the cohort: clicks over
        recommendations, sessions with a purchase over sessions, and so on. To
        compare a model with the funnel model we use a **paired bootstrap**: resample
        whole sessions (the same resampled shoppers for both models, since both met the
        same cohort), recompute the difference, and read its 95% interval from the
        1,000 resamples.
        """
    ),
    code(
        """
        SHOPPER_METRICS = {  # name -> (numerator, denominator), one entry per session
            "funnel points per session": lambda r: (r.returns, np.ones(r.n_sessions)),
            "click rate": lambda r: (r.clicks, r.recommendations),
            "conversion": lambda r: (r.purchases > 0, np.ones(r.n_sessions)),
            "suited purchase share": lambda r: (r.suited_purchases, r.purchases),
            "session length (steps)": lambda r: (r.recommendations, np.ones(r.n_sessions)),
            "revenue per session ($)": lambda r: (r.revenue, np.ones(r.n_sessions)),
        }
        UNITS = {"funnel points per session": "points", "click rate": "clicks per recommendation",
                 "conversion": "share of sessions", "suited purchase share": "share of purchases",
                 "session length (steps)": "recommendations", "revenue per session ($)": "dollars"}
        RESAMPLES = np.random.default_rng(SEED).integers(0, N_SESSIONS, size=(1000, N_SESSIONS))
        """
    ),
    code(
        """
        def ratio(result, metric, rows=slice(None)):
            \"\"\"Total of the numerator over total of the denominator, for the given sessions.\"\"\"
            numerator, denominator = SHOPPER_METRICS[metric](result)
            return numerator[rows].sum(axis=-1) / denominator[rows].sum(axis=-1)


        def paired_change(result, baseline, metric):
            \"\"\"Change of a metric against the baseline, with its 95% paired bootstrap interval.\"\"\"
            changes = ratio(result, metric, RESAMPLES) - ratio(baseline, metric, RESAMPLES)
            low, high = np.quantile(changes, [0.025, 0.975])
            return ratio(result, metric) - ratio(baseline, metric), low, high
        """
    ),
    code(
        """
        results = hacking.results
        others = ["clicks only", "revenue", "suitability"]
        print(f"{'metric':<26}" + "".join(f"{name:>13}" for name in results))
        for metric in SHOPPER_METRICS:
            print(f"{metric:<26}" + "".join(f"{ratio(r, metric):>13.3f}" for r in results.values()))
        print(f"\\nchange against the funnel model [95% paired interval]\\n{'metric':<26}"
              + "".join(f"{name:>27}" for name in others))
        changes = {  # metric -> one (change, low, high) per model in `others`
            metric: [paired_change(results[name], results["funnel"], metric) for name in others]
            for metric in SHOPPER_METRICS
        }
        for metric, cells in changes.items():
            print(f"{metric:<26}" + "".join(f"{c:+8.3f} [{lo:+.3f}, {hi:+.3f}]" for c, lo, hi in cells))
        """
    ),
    code(
        """
        colours = [plots.VERMILLION, plots.ORANGE, plots.GREEN]
        with plots.style():
            fig, axes = plt.subplots(2, 3, figsize=(13, 6), layout="constrained")
            for ax, metric in zip(axes.flat, SHOPPER_METRICS, strict=True):
                change, low, high = np.array(changes[metric]).T
                ax.bar(others, change, yerr=[change - low, high - change], capsize=4, color=colours)
                ax.axhline(0.0, color="black", linewidth=0.8)
                ax.set(title=metric, ylabel=f"change ({UNITS[metric]})")
            for ax in axes[1]:
                ax.set_xlabel("reward the greedy model was fit on")
            fig.suptitle("Same recommender, different rewards: change against the "
                         "funnel-trained model on 5000 shoppers (95% paired intervals)")
            plt.show()
        """
    ),
    md(
        r"""
        What to see: each bar is a model's change against the funnel-trained model on
        the same shoppers; where an interval does not cross zero, the cohort resolves
        the difference.

        - **Clicks only** (vermillion) raises the number it was paid for: the click
          rate goes from 0.144 to 0.161, a 12% gain. A dashboard would even show more
          revenue (+$0.44 per session). The shoppers are served worse: they leave
          sooner, after 0.3 fewer recommendations on average, and, as the next table
          shows, more of what they see does not suit their skin. Conversion, the
          suited share of purchases and the funnel points do not move beyond the noise
          of this cohort.
        - **Revenue** (orange) was paid in dollars and does not earn more dollars: its
          change in revenue per session is +$0.02, with an interval from −$0.30 to
          +$0.34. Meanwhile the click rate drops and conversion falls from 0.065 to
          0.045: about a third fewer shoppers buy anything. Its sessions are a little
          longer (it shows fewer poor fits, which cost patience), but emptier.
        - **Suitability** (green) improves every metric: more funnel points (+0.44 per
          session) than the model trained *on funnel points*, a suited share of 0.80
          against 0.71, sessions 0.8 recommendations longer, and $0.70 more revenue
          per session.

        What did each model exploit? We replay the cohort with each model and look at
        what it showed, what it expected each recommendation to earn (its prediction,
        in its own reward's units) and what it did earn. To count poor fits we read
        the shoppers' hidden skin type, for analysis only.
        """
    ),
    code(
        """
        def replay(name, n_sessions=N_SESSIONS):
            \"\"\"Replay the cohort with one greedy model: per-step means of what it showed and earned.\"\"\"
            policy = greedy[name]
            cohort = VectorShop(REWARDS[name], n_sessions, autoreset=False)  # its own reward units
            obs_now, _ = cohort.start_cohort(evaluation.make_cohort(SEED, n_sessions))
            log = {"price $": [], "hype": [], "poor fit": [], "predicted": [], "earned": []}
            while not cohort.done.all():
                live, rows = ~cohort.done, np.arange(n_sessions)
                actions = policy.act(obs_now, cohort.action_mask())
                skin = cohort.core.profile.skin_type  # hidden: read here only to analyse
                log["price $"].append(cohort.catalog.price[actions][live])
                log["hype"].append(cohort.catalog.hype[actions][live])
                log["poor fit"].append(cohort.catalog.suitability[actions, skin][live] < 0.35)
                log["predicted"].append(policy.predict(obs_now)[rows, actions][live])
                obs_now, reward, *_ = cohort.step(actions)
                log["earned"].append(reward[live])
            return {key: np.concatenate(values).mean() for key, values in log.items()}
        """
    ),
    code(
        """
        print(f"{'fit on':<13}" + "".join(f"{key:>11}" for key in ("price $", "hype", "poor fit", "predicted", "earned")))
        for name in greedy:
            means = replay(name)
            print(f"{name:<13}{means['price $']:>11.2f}{means['hype']:>11.3f}{means['poor fit']:>11.1%}"
                  f"{means['predicted']:>11.3f}{means['earned']:>11.3f}")
        print("means over all recommendations; predicted and earned: immediate reward in the model's own units")
        """
    ),
    md(
        r"""
        - **Clicks only** learned what brings clicks whatever the fit: hyped products
          (mean hype 0.384 against 0.358) and pricier ones ($46 against $31). Hyped
          products are formulated more narrowly, so 37.6% of its recommendations fit
          the shopper poorly, against 31.8%. Showing a poor fit costs the shopper
          patience, and clicking one costs more patience and trust (the long-term
          effects of `beautyrl_lib.sim.shoppers`), which is why sessions end sooner. A
          click reward has no term that could see any of this; its predictions are
          accurate (0.163 expected, 0.161 earned per recommendation): the model does
          exactly what it was asked.
        - **Revenue** learned that a sale of an expensive product pays more: its mean
          price shown is $63, twice the funnel model's. But expensive products are
          rarely bought: they are often above what is left of the shopper's budget,
          and price-sensitive shoppers pass. The model also misjudged them: it
          expected $0.65 per recommendation and earned $0.35. Revenue is a hard reward
          to learn from, since almost every step pays $0 and a few pay tens of dollars;
          the estimates are noisy, and choosing the product with the *highest* noisy
          estimate favours products that were lucky in the training logs. The other
          models overestimate by 11% at most.
        - **Suitability** shows the fewest poor fits (25.4%). Its reward takes points
          away for selling a poor fit, and those sales are exactly the ones that cost
          patience and trust later. A myopic model cannot see later costs, but this
          reward moves part of them into the immediate reward. That is why it earns
          more funnel points than the model trained on funnel points: the default
          reward is also a proxy, and it too leaves the shopper's interest on the
          table.

        **Is it the reward, or the luck of one fit?** Each model above was fit once,
        from one training seed, and the paired intervals cover only the randomness of
        the evaluation cohort. Refit the funnel and clicks-only models from three
        other training seeds and compare again (about ten seconds):
        """
    ),
    code(
        """
        changed = ["click rate", "suited purchase share", "session length (steps)"]
        print(f"{'training seed':<15}" + "".join(f"{m:>26}" for m in changed))
        for seed in (1, 2, 3):
            pair = {name: GreedyPolicy().fit(REWARDS[name], seed=seed) for name in ("funnel", "clicks only")}
            rerun = evaluation.compare(pair, SHOP, n_sessions=N_SESSIONS, seed=SEED).results
            cells = [paired_change(rerun["clicks only"], rerun["funnel"], m) for m in changed]
            print(f"{seed:<15}" + "".join(f"{c:+8.3f} [{lo:+.3f}, {hi:+.3f}]" for c, lo, hi in cells))
        """
    ),
    md(
        r"""
        In every refit the click rate rises (by 0.009 to 0.022) and sessions get
        shorter (by 0.39 to 0.48 recommendations): these effects belong to the reward,
        not to one lucky fit. The suited share of purchases is lower in all three
        refits, but each interval crosses zero, so these cohorts cannot confirm a drop
        there. Check a surprising result on other seeds before you believe it.

        ## Summary

        - The **state** is a design: the shop's 63-number observation holds what a
          shop can know (declared skin type, demographics, loyalty, the session so far)
          and never the hidden profile. It is partial, and the session history is what
          lets an agent learn about the shopper.
        - **Encoding** turns categories into one-hot vectors and counts into scaled
          numbers; the entries still differ in spread by two orders of magnitude.
          **Normalising** with running statistics (Welford's batch update) puts them on
          one scale; the statistics are saved with the agent, and nothing is clipped,
          so rare events become large inputs.
        - The **action** is one of 50 products. **Masking** products already shown
          costs nothing and gains a little for a random policy, but everything for any
          policy that ranks by a score.
        - The **reward** decides what is learned. Paid for clicks, a greedy recommender
          raised its click rate by 12% while showing more poorly fitting products and
          losing shoppers sooner; paid in dollars, it pushed products twice as
          expensive, sold to about a third fewer shoppers and earned no more; paid for
          purchases that suit, it served shoppers best and even earned the most funnel
          points. Judge any reward on shopper-centred metrics, on a shared cohort, with
          paired intervals, across training seeds.

        **Limits.** The shop is a simulation with made-up but plausible response rates;
        how strongly each reward is hacked depends on them. The greedy model is myopic,
        and a recommender that plans ahead (a DQN) may find other exploits of the same
        reward. Notebook 06 inspects what the trained DQN actually recommends.

        **Next:** notebook 04 builds the Q-network: a function from the 63 observation
        numbers to one value per product, fitted to TD targets whose best next value is
        taken only over the products still allowed, exactly as the mask demands.
        """
    ),
]

if __name__ == "__main__":
    print(write("03_state_action_reward", CELLS))
