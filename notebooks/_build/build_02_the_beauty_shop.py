"""Build notebooks/02_the_beauty_shop.ipynb (run from anywhere; then execute it)."""
# ruff: noqa: E501  (cell text is dedented by 8 columns; the notebook lines fit in 88)

from nbtools import code, md, write

CELLS = [
    md(
        r"""
        # 02 · The beauty shop

        Notebook 01 learned the ideas of RL on a counter with four states. Now we open
        the real shop of the course: a catalog of 50 beauty products and a stream of
        shoppers, each with a skin type, concerns, a budget and a patience that the shop
        never sees. Every step the shop's recommender shows one product; the shopper
        may click it, add it to the cart and buy it, or lose patience and leave.

        **In this notebook you will**

        1. look at the catalog: categories, prices and price tiers, fit per skin type,
           hype;
        2. meet a shopper twice: as the hidden profile the simulator keeps, and as the
           63 numbers the shop observes;
        3. follow the click → cart → purchase funnel and compute the expected points of
           a recommendation (exercise 1);
        4. watch one session step by step and compute its return (exercise 2);
        5. compare the shop's usual recommenders (random, popularity, greedy, bandit)
           with two oracles that cheat by reading the hidden profile;
        6. see why a recommender that only looks one step ahead leaves value on the
           table, and how much, as the shop's long-term effects grow.

        **Prerequisites:** notebook 01 (return, discount, policy, value); Python and
        NumPy arrays.

        **Time:** about 60 minutes. Running every cell takes about a minute, most of it
        in sections 5 and 6.
        """
    ),
    code(
        """
        %matplotlib inline
        import numpy as np

        from beautyrl_lib import evaluation, plots
        from beautyrl_lib.agents.oracles import OracleLookahead
        from beautyrl_lib.agents.registry import make_policy
        from beautyrl_lib.course import checks
        from beautyrl_lib.sim import BeautyShopEnv, ShopConfig, VectorShop, make_catalog
        from beautyrl_lib.sim.catalog import CATEGORY_NAMES, CONCERNS, SKIN_TYPES, TIERS
        from beautyrl_lib.sim.observation import split_observation
        from beautyrl_lib.sim.shoppers import AGE_BRACKETS, LOYALTY_TIERS

        SEED = 7  # the evaluation cohort of shoppers (sections 5 and 6)
        TRAIN_SEED = 0  # shoppers the learned baselines train on; never in a cohort
        SHOPPER = 15  # the shopper we follow in sections 2 to 4
        config = ShopConfig()  # the course's standard shop
        """
    ),
    md(
        r"""
        Every random draw in the shop is a function of a seed, so you see exactly the
        numbers printed below. The shop is described by one `ShopConfig`: 50 products,
        sessions of at most 20 recommendations, the funnel reward of notebook 00 (1
        point per click, 3 more per add-to-cart, 10 more per purchase) and a
        `long_term_strength` of 1 that section 6 turns up and down.

        ## 1. The catalog

        The catalog is shelved the way beauty retailers shelve: seven skincare
        categories (cleanser, toner, serum, moisturizer, sunscreen, mask, eye care) and
        six makeup categories (foundation, concealer, lipstick, mascara, eyeshadow,
        blush). Each product has a fictional brand, a price, a star rating, the skin
        concerns it addresses (acne, aging, dryness, dark spots, redness), a
        **suitability** for each of the five skin types (dry, oily, combination,
        normal, sensitive), a **hype** score for how trendy it is, and a
        **popularity** score like a best-seller list. `catalog.describe` prints one
        product on one line; here are the five best sellers.
        """
    ),
    code(
        """
        catalog = make_catalog(config.n_products, config.catalog_seed)
        print(f"{catalog.n_products} products in {len(CATEGORY_NAMES)} categories\\n")
        best_sellers = np.argsort(-catalog.popularity)[:5]
        for product in best_sellers:
            print(f"popularity {catalog.popularity[product]:.2f}  {catalog.describe(product)}")
        """
    ),
    md(
        r"""
        "Suits" lists the skin types for which the product's suitability is at least
        0.5. A product is formulated for one to three skin types (suitability about
        0.9), neutral for others (about 0.55) and a *poor fit* for a few (below 0.35):
        a rich cream on oily skin, an acid serum on sensitive skin. Hyped products tend
        to be formulated more narrowly, so they are a poor fit for more shoppers, yet
        hype attracts clicks whatever the fit. Keep that tension in mind: it is the
        trap section 6 is about.

        Prices follow a median per category, shifted by the brand's positioning, and
        fall into four **tiers**: drugstore (under \$20), mid (\$20 to \$50), prestige
        (\$50 to \$100) and luxury (over \$100).
        """
    ),
    code(
        """
        is_skincare = catalog.category < CATEGORY_NAMES.index("foundation")
        print(f"median price      ${np.median(catalog.price):.0f}")
        print(f"  skincare median ${np.median(catalog.price[is_skincare]):.0f}")
        print(f"  makeup median   ${np.median(catalog.price[~is_skincare]):.0f}")
        counts = np.bincount(catalog.tier, minlength=len(TIERS))
        for tier, count in zip(TIERS, counts, strict=True):
            print(f"{tier:<10} {count:>2} products")
        """
    ),
    code(
        """
        plots.plot_catalog(catalog)
        """
    ),
    md(
        r"""
        **What to see.** Each dot is a product, coloured by group, with a black bar at
        its category's median price; the dashed lines are the tier edges. Foundations,
        sunscreens, serums and eye care sit high, toners and mascaras low, and most categories
        span two or three tiers because the same kind of product is sold by drugstore
        and luxury brands alike. The price axis is logarithmic: a price is judged against
        the shopper's budget, so \$10 against \$20 matters as much as \$100 against
        \$200.

        ## 2. Shoppers: a hidden profile and what the shop sees

        A shopper in the simulator is two separate objects, with separate names in the
        code:

        - the **profile**, the truth about the shopper: true skin type, concerns,
          budget for this visit, price sensitivity, liking for each brand, interest in
          each category, and patience;
        - the **observation** `obs`, what a real shop could know: the skin type *if the
          shopper declared it* in their account (60% do), a coarse age bracket, the
          loyalty tier, and the session so far (recommendations, clicks and purchases
          per category, spend, the last response).

        The recommender only ever receives `obs`. The environment can show us the
        profile through `env.hidden_profile()`, which exists for teaching and for the
        oracles of section 5; no deployable recommender may call it. Here is shopper
        15, first as the simulator knows them:
        """
    ),
    code(
        """
        env = BeautyShopEnv(config, render_mode="ansi")
        obs, info = env.reset(seed=SHOPPER)
        profile = env.hidden_profile()  # for teaching only: no recommender reads this
        concerns = [c for c, has in zip(CONCERNS, profile["concerns"], strict=True) if has]
        print("HIDDEN PROFILE: the shop never sees this")
        print(f"  true skin type      {SKIN_TYPES[profile['skin_type']]}")
        print(f"  concerns            {', '.join(concerns) or 'none'}")
        print(f"  budget              ${profile['budget']:.0f}")
        print(f"  price sensitivity   {profile['price_sensitivity']:.2f}  (0 to 1)")
        print(f"  patience            {profile['patience']:.2f}  (leaves at 0)")
        print(f"  trust in the shop   {profile['trust']:.2f}  (0 to 2, starts at 1)")
        """
    ),
    md(
        r"""
        And here is the same shopper as the recommender sees them at the start of the
        session. `split_observation` cuts the 63 numbers into their named parts.
        """
    ),
    code(
        """
        parts = split_observation(obs)
        declared = (*SKIN_TYPES, "not declared")[parts["declared_skin"].argmax()]
        print(f"OBSERVATION: {obs.shape[0]} numbers, all the recommender gets")
        print(f"  declared skin type  {declared}")
        print(f"  age bracket         {AGE_BRACKETS[parts['age_bracket'].argmax()]}")
        print(f"  loyalty tier        {LOYALTY_TIERS[parts['loyalty'].argmax()]}")
        print(f"  non-zero numbers    {np.count_nonzero(obs)} of {obs.size}")
        """
    ),
    md(
        r"""
        This shopper declared their skin type, but nothing in `obs` says what they
        worry about, how much they will spend or how quickly they will give up. A
        recommender has to infer those from the history, which fills up as the session
        goes on: clicks reveal interests, and whether a clicked product ends up in the
        cart reveals a little about the fit with the hidden skin type (the
        `skin_evidence` part of `obs`). Notebook 03 looks at the observation in detail.

        ## 3. The funnel: click → cart → purchase

        A recommendation goes through three stages, each with a probability that
        depends on the hidden profile and on the session so far:

        1. **click**, out of every recommendation: driven by interest in the category
           (raised by a routine in progress, lowered by fatigue from seeing the same
           category again and again), hype, rating, brand liking, whether the product
           addresses one of the shopper's concerns, trust in the shop, and a penalty
           for prices far above what is left of the budget. Fit plays no part: a
           thumbnail does not tell you whether a serum suits your skin.
        2. **add to cart, given a click**: fit (a little; the product page tells
           something), concerns, hype, brand, and price against price sensitivity;
           much less likely above the remaining budget.
        3. **purchase, given a cart**: rating and price as a share of the remaining
           budget; impossible above it. Whether the product really suits the skin is
           only discovered after the purchase.

        The simulator is calibrated to published e-commerce funnels: under the
        popularity recommender, 3% to 15% of recommendations are clicked, 8% to 30% of
        clicks become carts and 15% to 35% of carts are bought (the sources are in the
        docstring of `beautyrl_lib.sim.shoppers`, and a test checks the ranges).

        The next cell reads the three probabilities of the five best sellers for
        shopper 15 at this moment. It has to open the simulator's insides
        (`shop.core`), because the probabilities depend on the hidden profile: only the
        oracles of section 5 may do this.
        """
    ),
    code(
        """
        shop = VectorShop(config, num_envs=1, autoreset=False)
        shop.reset(seed=SHOPPER)  # slot 0 is the same shopper as env.reset(seed=SHOPPER)
        rows = np.zeros((1, 1), dtype=np.int64)  # shopper row 0, broadcast over products
        p_click, p_cart, p_purchase = (
            p[0] for p in shop.core.response_probabilities(rows, best_sellers[None, :])
        )  # each of shape (5,): one probability per best seller
        print(f"{'product':<36}  click  cart|click  buy|cart")
        for j, pc, pa, pp in zip(best_sellers, p_click, p_cart, p_purchase, strict=True):
            print(f"{catalog.names[j]:<36}  {pc:.3f}      {pa:.3f}     {pp:.3f}")
        """
    ),
    md(
        r"""
        Each stage tells its own story. The mask is the most clicked of the five, yet
        at \$93 it costs more than this shopper's whole budget of \$41, so it is
        rarely put in the cart and never bought; the foundation (\$110) and the eye
        care (\$75) go the same way. The concealer still draws a few clicks, on hype
        alone: this shopper's hidden interest in concealers is zero (45 or older, they
        care far more about skincare than makeup, like most of that age bracket). The
        cleanser, at \$15, is the one that gets through all three stages.

        ### Exercise 1: the expected points of one recommendation

        The shop earns $w_\text{click}$ points for a click, $w_\text{cart}$ more for an
        add-to-cart and $w_\text{purchase}$ more for a purchase (1, 3 and 10 in the
        standard shop). The probabilities above are *conditional*: `p_cart` is the
        chance of a cart **given** a click and `p_purchase` of a purchase **given** a
        cart. So a cart happens with probability $p_\text{click}\,p_\text{cart}$ and a
        purchase with $p_\text{click}\,p_\text{cart}\,p_\text{purchase}$, and the
        expected points are

        $$\mathbb{E}[r] = w_\text{click}\,p_\text{click}
        + w_\text{cart}\,p_\text{click}\,p_\text{cart}
        + w_\text{purchase}\,p_\text{click}\,p_\text{cart}\,p_\text{purchase}.$$

        Write `expected_funnel_reward`. If you use only `*` and `+`, it works on NumPy
        arrays too, one product per entry.
        """
    ),
    code(
        """
        def expected_funnel_reward(p_click, p_cart, p_purchase, w_click, w_cart, w_purchase):
            \"\"\"Expected funnel points of one recommendation (or of arrays of them).\"\"\"
            ### HINT: a cart needs a click first (p_click * p_cart); a purchase needs both and p_purchase.
            ### BEGIN SOLUTION
            p_carted = p_click * p_cart
            p_bought = p_carted * p_purchase
            return w_click * p_click + w_cart * p_carted + w_purchase * p_bought
            ### END SOLUTION
        """
    ),
    code(
        """
        passed = checks.check_expected_funnel_reward(expected_funnel_reward)
        """
    ),
    md(
        r"""
        The shop computes the same expected points for every product at once with
        `shop.core.expected_rewards()`. Recommending the product where it is highest is
        the **myopic oracle**: the best any recommender can do if it only looks at the
        next step, and it needs the hidden profile to do it.
        """
    ),
    code(
        """
        expected = shop.core.expected_rewards()[0]  # (50,): expected points per product
        for j in best_sellers:
            print(f"{catalog.names[j]:<36}  {expected[j]:.3f} points")
        best = expected.argmax()
        print(f"\\nbest for shopper {SHOPPER} right now: {catalog.describe(best)}")
        print(f"  expected points {expected[best]:.3f}")
        print(f"  median over the catalog {np.median(expected):.3f}")
        """
    ),
    md(
        r"""
        Even the best recommendation is expected to earn about one point, and the
        median product less than a tenth of a point: most recommendations are ignored, and a purchase needs three stages to succeed. A
        session's points come from many small chances, which is why the comparisons
        of section 5 need hundreds of shoppers to tell recommenders apart.

        ## 4. One session, step by step

        The shop follows the [Gymnasium](https://gymnasium.farama.org) interface:
        `reset(seed=...)` starts a session and returns `(obs, info)`, and `step(action)`
        recommends product `action` and returns `(obs, reward, terminated, truncated,
        info)`. `info` says what happened (`click`, `cart`, `purchase`, whether the
        product `suits` the skin) and carries the `action_mask` of products not yet
        shown; a product already shown is never clicked again. The session ends in one
        of two ways:

        - **terminated**: the shopper left, because their patience ran out or, with a
          3% chance each step, for reasons outside the shop's control;
        - **truncated**: the shop reached its limit of 20 recommendations. The shopper
          would have stayed, a difference notebook 04 relies on.

        Let us have the popularity recommender serve shopper 15 and print each step
        with `env.render()`. After each step we also peek at the hidden patience and
        trust, only to see what the recommender cannot.
        """
    ),
    code(
        """
        policy = make_policy("popularity", config, TRAIN_SEED)
        obs, info = env.reset(seed=SHOPPER)
        trace, done = [], False
        while not done:
            mask = info["action_mask"].astype(bool)[None, :]  # (1, 50): a batch of one
            action = int(policy.act(obs[None, :], mask)[0])
            obs, reward, terminated, truncated, info = env.step(action)
            hidden = env.hidden_profile()  # peeking, for teaching only
            print(f"{env.render()}  (+{reward:g}, patience {hidden['patience']:.1f})")
            step = {k: info[k] for k in ("click", "cart", "purchase", "suits")}
            step["category"] = CATEGORY_NAMES[catalog.category[action]]
            step.update(reward=reward, terminated=terminated, **hidden)
            trace.append(step)
            done = terminated or truncated
        print("ended by", "the shopper leaving" if terminated else "the 20-step limit")
        """
    ),
    code(
        """
        plots.plot_session(trace, title=f"Shopper {SHOPPER}, served by popularity")
        """
    ),
    md(
        r"""
        **What to see.** The top panel shows which category was recommended at each
        step and how far the shopper went: ignored, clicked, added to cart, or bought,
        with the points earned written above. The lower panel shows the two hidden
        numbers that decide how the session goes on. Every ignored recommendation costs
        a little patience; a product that is a poor fit for the skin costs a lot more,
        whatever the response; a clicked or bought good fit restores some, and raises
        trust, which makes later clicks likelier. The session ends where patience
        crosses zero. The cell below lists the steps whose product did not suit the
        shopper's skin: compare them with the drops in patience.
        """
    ),
    code(
        """
        poor_fits = [t + 1 for t, step in enumerate(trace) if not step["suits"]]
        print("steps whose product did not suit the shopper's skin:", poor_fits)
        """
    ),
    md(
        r"""
        The popularity recommender shows the same best-seller list to everyone, so it
        keeps recommending products that the shopper's skin does not tolerate, and each
        one shortens the session. That is the first long-term effect: what you
        recommend now decides how many more chances you get.

        ### Exercise 2: the return of a session

        The **return** of a session is the sum of its rewards, discounted by $\gamma$
        as in notebook 01: $G = \sum_t \gamma^t r_t$, with $t$ counted from 0. Logs of
        real shops, and the vectorised shop used for training, do not stop when a
        shopper leaves: the next shopper's steps follow in the same log. So
        `session_return(rewards, terminated, gamma)` receives the lists of rewards and
        `terminated` flags of a log that starts with a session, and must return that
        first session's return: add up to and including the first step whose
        `terminated` is True (the step where the shopper leaves still earns its
        reward), or all steps if none is.
        """
    ),
    code(
        """
        def session_return(rewards, terminated, gamma):
            \"\"\"Discounted return of the session that starts the log.\"\"\"
            ### HINT: add gamma**t * rewards[t] and stop right after the first step whose terminated flag is True.
            ### BEGIN SOLUTION
            total = 0.0
            for t, (reward, ended) in enumerate(zip(rewards, terminated, strict=True)):
                total += gamma**t * reward
                if ended:
                    break
            return total
            ### END SOLUTION
        """
    ),
    code(
        """
        passed = checks.check_session_return(session_return)
        """
    ),
    md(
        r"""
        The evaluation of the next section counts returns without discount
        ($\gamma = 1$): the points a session earned, in total. A discount below 1 is a
        tool for learning (notebooks 04 to 06), not part of the shop's score.
        """
    ),
    code(
        """
        rewards = np.array([step["reward"] for step in trace])
        print(f"return of shopper {SHOPPER}'s session: {rewards.sum():g} points (gamma = 1)")
        discounts = 0.9 ** np.arange(len(rewards))
        print(f"with gamma = 0.9: {np.sum(discounts * rewards):.2f} points")
        """
    ),
    md(
        r"""
        ## 5. The shop's recommenders, and two oracles

        Four recommenders a shop could run without RL. All of them read only `obs` and
        the public catalog:

        - **random**: any product not yet shown. The floor.
        - **popularity**: the best seller not yet shown, the same list for everyone.
        - **greedy**: the usual machine-learned recommender. It logs random
          recommendations to training shoppers, fits one linear model per product that
          predicts the *immediate* reward from `obs`, and shows the product with the
          highest prediction.
        - **bandit**: a contextual bandit (LinUCB). It learns the same kind of model
          online, trying products it knows little about, and is then frozen.

        Greedy and bandit are **myopic** by construction: they predict the next step's
        reward and nothing about what a recommendation does to the rest of the session.

        Two **oracles** read the hidden profile. They are references that bound what is
        possible, never recommenders a shop could deploy:

        - **oracle-myopic**: the product with the highest true expected points now
          (section 3). The best any myopic recommender can hope for.
        - **oracle-lookahead**: for a few candidate products, it imagines several
          futures on the true simulator and picks the candidate whose futures earn the
          most (a rollout planner).

        The evaluation is paired: every recommender meets the same **cohort** of 1000
        shoppers, whose seeds never meet the training shoppers'. For each, the table
        gives the mean return with a bootstrap 95% interval and the funnel rates.
        Fitting greedy and the bandit takes a few seconds. To keep this notebook quick,
        the look-ahead oracle imagines 4 futures per candidate instead of its default 8.
        """
    ),
    code(
        """
        names = ("random", "popularity", "greedy", "bandit", "oracle-myopic")
        policies = {name: make_policy(name, config, TRAIN_SEED) for name in names}
        policies["oracle-lookahead"] = OracleLookahead(n_rollouts=4)
        N_SESSIONS = 1000
        comparison = evaluation.compare(policies, config, N_SESSIONS, seed=SEED)
        print(comparison.table())
        """
    ),
    md(
        r"""
        The columns: `return` and its interval, then the funnel (`click` per
        recommendation, `cart|click`, `buy|cart`), `conversion` (the share of sessions
        with a purchase), `revenue $` per session, session `length` in
        recommendations, `suited` (the share of purchases that suit the shopper's skin)
        and `coverage` (the share of the catalog ever recommended). The full comparison
        on 2000 shoppers, with the look-ahead oracle at full strength, is one command
        in a terminal (about a minute):

        ```bash
        python -m beautyrl_lib compare --policies random,popularity,greedy,bandit,oracle-myopic,oracle-lookahead --sessions 2000 --seed 7
        ```
        """
    ),
    code(
        """
        plots.plot_comparison(comparison)
        """
    ),
    md(
        r"""
        **What to see.** The bars climb from random through popularity to the learned
        myopic recommenders, and the two hatched oracle bars stand far above: reading
        the hidden profile is worth a lot, and looking ahead on top of it is worth
        more again. Error bars are 95% intervals of each mean on its own. Because the
        cohort is shared, the difference between two recommenders is measured shopper
        by shopper, which gives a much tighter interval:
        """
    ),
    code(
        """
        pairs = [("popularity", "random"), ("greedy", "popularity")]
        pairs += [("bandit", "popularity"), ("oracle-lookahead", "oracle-myopic")]
        print("difference in mean return (points per session), 95% interval")
        for a, b in pairs:
            mean, low, high = comparison.paired(a, b)
            print(f"{a:>16} - {b:<13} {mean:+.2f}  [{low:+.2f}, {high:+.2f}]")
        """
    ),
    md(
        r"""
        An interval that excludes 0 means the difference is real for shoppers like
        these, not luck of the cohort. Now the funnel, stage by stage:
        """
    ),
    code(
        """
        plots.plot_funnel(comparison)
        """
    ),
    md(
        r"""
        **What to see.** The biggest differences are in the first stage: recommenders
        that know more about the shopper get more clicks per recommendation (blue).
        The later stages (orange, green) move much less, because they depend mostly on
        price, budget and fit, which clicks already filter. Compare also the `length`
        and `suited` columns of the table: the look-ahead oracle has the longest
        sessions and the highest share of purchases that suit the skin. Among the
        recommenders that see only `obs`, random has the lowest share, and greedy and
        the bandit stay below popularity: they learn what earns points at the next
        step, and fit hardly shows there, since a shopper discovers it only after the
        purchase (section 3).

        ## 6. Why myopic recommenders leave value on the table

        The look-ahead oracle beats the myopic one although both read the same hidden
        profile. The difference is entirely in the **long-term effects** of the shop,
        which are all scaled by one knob, `long_term_strength` $s$:

        - **patience**: ignored or ill-fitting recommendations use it up, good ones
          restore some; at zero the shopper leaves;
        - **regret and trust**: buying a product that does not suit the skin pays now
          but costs patience and trust, so later clicks become rarer (the cosmetics
          version of "chocolate versus kale");
        - **routines**: a cleanser bought raises interest in a toner, a toner in a
          serum, and so on;
        - **budget**: what is spent cannot be spent again;
        - **fatigue**: the same category again and again loses interest.

        At $s = 0$ none of these exist: each step is an independent draw, and the
        myopic oracle should be about as good as any planner. Let us measure the two
        oracles on shops with $s$ = 0, 0.5, 1 (the standard shop) and 2, on 500
        shoppers each (about half a minute).
        """
    ),
    code(
        """
        STRENGTHS = (0.0, 0.5, 1.0, 2.0)
        oracles = {name: policies[name] for name in ("oracle-myopic", "oracle-lookahead")}
        sweep = {name: [] for name in oracles}  # per oracle, one metrics dict per strength
        for strength in STRENGTHS:
            shop_s = ShopConfig(long_term_strength=strength)
            metrics = evaluation.compare(oracles, shop_s, 500, seed=SEED).metrics()
            for name in oracles:
                sweep[name].append(metrics[name])
            myopic, ahead = (metrics[n]["mean_return"] for n in oracles)
            ratio = ahead / myopic
            print(f"s = {strength}: myopic {myopic:.2f}, look-ahead {ahead:.2f}, x{ratio:.2f}")
        """
    ),
    code(
        """
        ratio = ("oracle-lookahead", "oracle-myopic")  # the x-factors written above the points
        plots.plot_return_vs_strength(STRENGTHS, sweep, ratio=ratio)
        """
    ),
    md(
        r"""
        **What to see.** At $s = 0$ the two curves meet (a ratio close to 1): with no
        long-term effects, the best next step is the best plan. As $s$ grows, the
        myopic oracle *loses* return, because the recommendations that pay most now
        (hyped products that may not suit the skin) cost patience and trust, while the
        look-ahead oracle, after a dip at $s = 0.5$, gains, because it can now earn more by building routines and
        keeping the shopper happy. The gap between the two is the value a myopic
        recommender leaves on the table, and it is what reinforcement learning is for:
        a policy trained on whole sessions learns to weigh the next click against the
        rest of the visit.

        A DQN will not reach the look-ahead oracle: it sees only `obs`, never the
        profile, and it cannot imagine futures on the true simulator. The aim of
        notebooks 04 to 06 is narrower and still useful: beat the greedy and bandit
        recommenders, which see the same `obs`, by learning the long-term part they
        ignore.

        **Limits of this shop.** The simulator is a model written to teach, not fitted
        to any shop's data: its funnel is calibrated to the order of magnitude of
        published rates, and its long-term effects are plausible mechanisms with
        invented sizes. The catalog is small (50 products) and one recommendation is
        shown at a time, not a slate. The oracles are strong references, not optimal
        policies: the look-ahead plans 10 steps ahead with a handful of imagined
        futures. The numbers in this notebook come from 1000 and 500 shoppers; rerun
        the comparison on 2000 (command above) for tighter intervals.

        ## Summary

        - The **catalog** has 50 products in 13 categories, with prices in four tiers,
          a fit per skin type, a rating, a popularity and a hype score.
        - A **shopper** is a hidden **profile** (skin type, concerns, budget, price
          sensitivity, tastes, patience) and an **observation** of 63 numbers (declared
          skin type when given, age bracket, loyalty tier, the session so far). Only
          the observation reaches a recommender.
        - Each recommendation goes through the **funnel** click → cart → purchase; the
          expected points multiply along it:
          $w_\text{click} p_\text{click} + w_\text{cart} p_\text{click} p_\text{cart} +
          w_\text{purchase} p_\text{click} p_\text{cart} p_\text{purchase}$.
        - A session ends when the shopper leaves (**terminated**) or after 20
          recommendations (**truncated**); its **return** adds the rewards up to the
          end.
        - On a shared cohort with paired bootstrap intervals, popularity beats random
          clearly; greedy and the bandit beat popularity by less (about 0.4 points,
          with intervals that stay just above 0); the oracles, which read the
          profile, are far above.
        - With the long-term effects off, the myopic oracle is about as good as the
          look-ahead one; at the standard strength and above, looking ahead wins
          clearly. That gap is the room RL has to play in.

        ## What's next

        **03 · State, action, reward design**: what exactly goes into the 63 numbers of
        `obs` and why, how action masking keeps a recommender from repeating itself,
        and how the choice of reward weights changes what a recommender learns,
        including ways to hack it.
        """
    ),
]

if __name__ == "__main__":
    print(write("02_the_beauty_shop", CELLS))
