"""Build notebooks/01_rl_in_a_nutshell.ipynb (run from anywhere; then execute it)."""
# ruff: noqa: E501  (cell text is dedented by 8 columns; the notebook lines fit in 88)

from nbtools import code, md, write

CELLS = [
    md(
        r"""
        # 01 · RL in a nutshell

        A shop's recommender that always shows the product most likely to sell *right
        now* is not always the best recommender. Sometimes a product that earns little
        today starts something that pays later. Reinforcement learning (RL) is the
        study of decisions whose effects last, and this notebook learns its core on a
        problem small enough to solve exactly: a beauty counter with four states.

        **In this notebook you will**

        1. map the seven elements of RL onto the beauty shop;
        2. compute a discounted return (exercise 1);
        3. write the Bellman backup (exercise 2) and value iteration (exercise 3), and
           solve the counter exactly;
        4. see, in numbers, why the myopic recommendation is worse;
        5. write the Q-learning update (exercise 4) and watch Q-learning find the
           same answer from sampled sessions alone, without knowing the counter's
           probabilities.

        **Prerequisites:** notebook 00; Python; NumPy arrays, indexing and `@`. No RL.

        **Time:** about 60 minutes.
        """
    ),
    code(
        """
        import matplotlib.pyplot as plt
        import numpy as np
        from IPython.display import Markdown, display

        from beautyrl_lib.course import checks, glossary, tabular

        SEED = 0  # every random draw below comes from generators seeded with this
        GAMMA = 0.9  # the discount, explained in section 3
        np.set_printoptions(precision=2, suppress=True)
        """
    ),
    md(
        r"""
        ## 1. The seven elements of RL

        RL describes a loop. At each step $t$ an **agent** observes the **state**
        $s_t$ of its **environment**, chooses an **action** $a_t$ following its
        **policy**, and the environment answers with a **reward** $r_t$ and a new state
        $s_{t+1}$. The agent's goal is not the next reward but the sum of rewards over
        the whole episode, the *return*. A **value function** estimates that future sum,
        and the agent improves its policy by acting on those estimates.

        The source article names these seven elements; here is what each is in our
        shop:
        """
    ),
    code(
        """
        columns = ("english", "chinese", "in_the_shop")
        display(Markdown(glossary.glossary_markdown(topic="element", columns=columns)))
        """
    ),
    md(
        r"""
        ## 2. A tiny beauty counter

        The full shop of notebook 02 has 50 products and describes each shopper with 63
        numbers: too much to look at all at once. So we shrink it to a beauty counter
        where a shopper is in one of four **states**:

        - `browsing`: just arrived, no clear interest yet;
        - `into skincare`: has clicked a skincare product, not bought yet;
        - `has cleanser`: bought a cleanser, so a skincare routine has started and a
          serum is the natural next step;
        - `left`: the session is over. This state is *terminal*: nothing more happens.

        The sales assistant (our agent) has three **actions**: recommend a `cleanser`,
        a `serum`, or a `hyped lipstick` that is trending but suits few shoppers. Each
        recommendation has a few possible outcomes, each with a probability, a
        **reward** in the shop's funnel points (1 for a click, 1 + 3 + 10 = 14 for a
        purchase) and the state the shopper ends up in. All the numbers are made up for
        teaching. Here is the whole environment:
        """
    ),
    code(
        """
        mdp = tabular.beauty_counter_mdp()
        print(mdp.describe())
        """
    ),
    md(
        r"""
        Read one block: a `browsing` shopper shown the `hyped lipstick` buys it on
        impulse with chance 0.25 (14 points), but it does not suit her and she leaves;
        with chance 0.35 she clicks, is disappointed, and leaves; only 40% stay.

        Such a table, where the next state depends only on the current state and
        action, is a *Markov decision process* (MDP). The library stores it as two
        arrays: `mdp.transitions[s, a, s_next]`, the probability of moving from `s` to
        `s_next` after action `a`, and `mdp.expected_rewards[s, a]`, the average
        reward of action `a` in state `s`, written $r(s, a)$:
        """
    ),
    code(
        """
        print("shapes:", mdp.transitions.shape, mdp.expected_rewards.shape)
        print("browsing + hyped lipstick -> next states:", mdp.transitions[0, 2])
        print()
        print(tabular.format_table(mdp, mdp.expected_rewards))
        """
    ),
    md(
        r"""
        Right now, the hyped lipstick is the best thing to show a browsing shopper:
        4.15 points on average against 2.65 for the cleanser. Keep that in mind.

        ## 3. Return and discount

        One session produces rewards $r_0, r_1, r_2, \dots$ The **return** (累积奖励)
        adds them up, each discounted by a factor $\gamma$ per step of delay:

        $$G = r_0 + \gamma\, r_1 + \gamma^2 r_2 + \dots = \sum_t \gamma^t r_t .$$

        The **discount** $\gamma$ (折扣因子), between 0 and 1, says how much the shop
        cares about the future. With $\gamma = 0$ only the next reward counts: that is
        the myopic recommender. With $\gamma$ close to 1 a purchase ten steps later is
        worth almost as much as one now. Discounting also keeps the return finite, and
        can be read as a chance of $1 - \gamma$ per step that the future stops
        mattering. We use $\gamma = 0.9$.
        """
    ),
    code(
        """
        steps = np.arange(30)
        fig, ax = plt.subplots(figsize=(6, 3.5))
        for gamma in (0.5, 0.9, 0.99):
            ax.plot(steps, gamma**steps, marker="o", markersize=3, label=f"γ = {gamma}")
        ax.set_title("How much a reward t steps ahead counts")
        ax.set_xlabel("steps ahead, t")
        ax.set_ylabel("weight γ^t (share of a reward now)")
        ax.legend()
        plt.show()
        """
    ),
    md(
        r"""
        What to see: with $\gamma = 0.5$ a reward five steps ahead counts only 3% of a
        reward now; with $\gamma = 0.9$ it still counts 59%, and with $\gamma = 0.99$
        almost fully.

        ### Exercise 1: the discounted return

        Write `discounted_return(rewards, gamma)`, which returns $\sum_t \gamma^t r_t$
        for a list of rewards. The first reward is not discounted.
        """
    ),
    code(
        """
        def discounted_return(rewards: list[float], gamma: float) -> float:
            \"\"\"Return rewards[0] + gamma * rewards[1] + gamma**2 * rewards[2] + ...\"\"\"
            ### HINT: loop over enumerate(rewards); the reward at step t is multiplied by gamma**t.
            ### BEGIN SOLUTION
            return sum(gamma**t * reward for t, reward in enumerate(rewards))
            ### END SOLUTION
        """
    ),
    code(
        """
        passed = checks.check_discounted_return(discounted_return)
        """
    ),
    md(
        r"""
        For example, a shopper who clicks (1 point), buys a cleanser (14) and then a
        serum (14) brings $1 + 0.9 \cdot 14 + 0.81 \cdot 14 = 24.94$ points of return.
        From here on the notebook uses the library's version, `tabular.discounted_return`,
        so everything below runs whether or not you did the exercise.
        """
    ),
    code(
        """
        print(f"{tabular.discounted_return([1, 14, 14], GAMMA):.2f}")
        """
    ),
    md(
        r"""
        ## 4. Policies and their values

        A **policy** (策略) says which action to take in each state. The simplest one
        is *myopic*: take the action with the highest expected reward right now.
        """
    ),
    code(
        """
        myopic = tabular.myopic_policy(mdp)
        print(tabular.format_policy(mdp, myopic))
        """
    ),
    md(
        r"""
        The **value** $V^\pi(s)$ of a state under policy $\pi$ (价值函数) is the
        expected return of a session that starts in $s$ and follows $\pi$. One way to
        measure it is to play many sessions and average their returns. Here are 2,000
        simulated shoppers served by the myopic policy, each starting in `browsing`:
        """
    ),
    code(
        """
        returns = tabular.simulate_returns(mdp, myopic, GAMMA, n_episodes=2000, seed=SEED)
        half_width = 1.96 * returns.std() / np.sqrt(len(returns))  # 95% interval
        print(f"myopic policy, value of browsing ≈ {returns.mean():.2f} ± {half_width:.2f}")
        """
    ),
    md(
        r"""
        Simulation is noisy, and it needs many sessions. Because we know the counter's
        table we can do better and compute values exactly.

        ## 5. The Bellman equation

        The return of a session is the first reward plus $\gamma$ times the return of
        the rest of the session. Averaged over what can happen, this gives the
        **Bellman equation**: the value of a state is the expected reward now plus
        $\gamma$ times the expected value of the next state,

        $$V^\pi(s) = r\big(s, \pi(s)\big) + \gamma \sum_{s'} P\big(s' \mid s, \pi(s)\big)\, V^\pi(s') .$$

        The same idea gives the value of each *action*. If the values $V$ hold after
        this step, recommending $a$ in state $s$ is worth

        $$Q(s, a) = r(s, a) + \gamma \sum_{s'} P(s' \mid s, a)\, V(s') .$$

        Computing $Q$ from $V$ this way is a **Bellman backup**. The terminal state
        `left` has value 0 and loops on itself with no reward, so it needs no special
        case.

        ### Exercise 2: the Bellman backup

        Write `bellman_backup(rewards, transitions, values, gamma)` that returns the
        array `q_values` of shape (S, A). In NumPy, `transitions @ values` multiplies
        the last axis of `transitions` (S, A, S) with `values` (S,) and sums it away.
        """
    ),
    code(
        """
        def bellman_backup(rewards, transitions, values, gamma):
            \"\"\"Q[s, a] = rewards[s, a] + gamma * sum_s' transitions[s, a, s'] * values[s'].

            Shapes: rewards (S, A), transitions (S, A, S), values (S,) -> (S, A).
            \"\"\"
            ### HINT: transitions @ values has shape (S, A): the expected value of the next state.
            ### BEGIN SOLUTION
            return rewards + gamma * transitions @ values
            ### END SOLUTION
        """
    ),
    code(
        """
        passed = checks.check_bellman_backup(bellman_backup)
        """
    ),
    md(
        r"""
        For one fixed policy the Bellman equations are linear: four equations for four
        unknown values. `tabular.policy_evaluation` solves them exactly with
        `np.linalg.solve`. The myopic policy's value of `browsing` falls inside the
        interval the simulation gave:
        """
    ),
    code(
        """
        v_myopic = tabular.policy_evaluation(mdp, myopic, GAMMA)
        print(tabular.format_table(mdp, v_myopic))
        """
    ),
    md(
        r"""
        ## 6. Value iteration: the best policy

        The best possible values $V^*$ satisfy the Bellman *optimality* equation: in
        every state, take the best action,

        $$V^*(s) = \max_a \Big[ r(s, a) + \gamma \sum_{s'} P(s' \mid s, a)\, V^*(s') \Big] .$$

        The max makes it non-linear, but it can be solved by repetition. **Value
        iteration** starts from $V = 0$ and applies the backup with the max again and
        again: after $k$ sweeps, $V$ holds the best expected return over $k$ steps.
        Each sweep shrinks the distance to $V^*$ by at least a factor $\gamma$, so the
        values settle; stop when no value changes by more than a small tolerance.

        ### Exercise 3: value iteration

        Write `value_iteration(mdp, gamma, tol)` returning the optimal values, shape
        (S,). Use `tabular.q_from_v(mdp, values, gamma)`, the library's Bellman backup
        that takes the arrays from `mdp`, so this exercise works even if you skipped
        exercise 2.
        """
    ),
    code(
        """
        def value_iteration(mdp, gamma, tol):
            \"\"\"Optimal state values of mdp, shape (S,), by repeated Bellman backups.\"\"\"
            ### HINT: start from np.zeros(mdp.n_states); repeat values = max over actions of q_from_v until the change < tol.
            ### BEGIN SOLUTION
            values = np.zeros(mdp.n_states)
            while True:
                new_values = tabular.q_from_v(mdp, values, gamma).max(axis=1)
                if np.abs(new_values - values).max() < tol:
                    return new_values
                values = new_values
            ### END SOLUTION
        """
    ),
    code(
        """
        passed = checks.check_value_iteration(value_iteration)
        """
    ),
    md(
        r"""
        The library's `tabular.value_iteration` also returns the greedy policy of the
        final values and the values after every sweep, which we plot.
        """
    ),
    code(
        """
        values, policy, history = tabular.value_iteration(mdp, GAMMA, tol=1e-8)
        print(f"converged after {len(history) - 1} sweeps\\n")
        print(tabular.format_table(mdp, values))
        print()
        print(tabular.format_policy(mdp, policy))
        """
    ),
    code(
        """
        sweeps = np.arange(len(history))
        changes = np.abs(np.diff(history, axis=0)).max(axis=1)
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
        for s, state in enumerate(mdp.states):
            left.plot(sweeps, history[:, s], label=state)
        left.set(title="Values during value iteration", xlabel="sweep", ylabel="V(s) (points)")
        left.legend()
        right.semilogy(sweeps[1:], changes, label="largest change in a sweep")
        bound = changes[0] * GAMMA ** (sweeps[1:] - 1)
        right.semilogy(sweeps[1:], bound, "--", label="γ^k × first change")
        right.set(title="Convergence", xlabel="sweep", ylabel="change (points, log scale)")
        right.legend()
        plt.show()
        """
    ),
    md(
        r"""
        What to see: on the left, every value starts at 0 and settles at its optimum
        within about 15 sweeps; `left` stays at 0. On the right, the largest change
        per sweep falls on a straight line in log scale and stays under the dashed
        line $\gamma^k$: each sweep shrinks the error by at least the factor $\gamma$,
        which is why value iteration always converges when $\gamma < 1$. Here it
        shrinks even faster, because shoppers also leave: the chance of staying
        discounts the future a second time. The last 30 sweeps only polish decimals
        far below what matters.

        ## 7. Why the myopic recommendation is worse

        The optimal policy recommends the cleanser to a browsing shopper, where the
        myopic one showed the hyped lipstick. Compare the values of the two policies:
        """
    ),
    code(
        """
        print(tabular.format_table(mdp, {"myopic": v_myopic, "optimal": values}))
        """
    ),
    md(
        r"""
        In `browsing`, the optimal policy is worth about four times as much. The two
        policies agree in the other states, so the whole gap comes from one choice.
        Split each action's value $Q^*(\text{browsing}, a)$ into the reward now and the
        discounted value of where the shopper goes next:
        """
    ),
    code(
        """
        q_star = tabular.q_from_v(mdp, values, GAMMA)
        later = GAMMA * mdp.transitions[0] @ values  # (A,): discounted value of the next state
        for a, action in enumerate(mdp.actions):
            now = mdp.expected_rewards[0, a]
            print(f"{action:<15} now {now:5.2f} + later {later[a]:5.2f} = {q_star[0, a]:5.2f}")
        """
    ),
    md(
        r"""
        The lipstick wins *now* by 1.5 points and loses *later* by more than 13: 60%
        of the shoppers who see it leave, and the others are still only browsing. The
        cleanser moves 70% of shoppers into the skincare states, each worth 27 to 30
        points. This is the long-term effect that RL is for, and that a recommender
        trained only on the next click cannot see.

        How far-sighted must the shop be for the cleanser to win? Solve the counter for
        many discounts and compare the three actions in `browsing`:
        """
    ),
    code(
        """
        gammas = np.linspace(0.0, 0.95, 96)  # steps of 0.01
        q_browsing = np.array(
            [tabular.q_from_v(mdp, tabular.value_iteration(mdp, g)[0], g)[0] for g in gammas]
        )
        fig, ax = plt.subplots(figsize=(6, 3.5))
        for a, action in enumerate(mdp.actions):
            ax.plot(gammas, q_browsing[:, a], label=action)
        ax.set_title("Value of each recommendation to a browsing shopper")
        ax.set(xlabel="discount γ", ylabel="Q*(browsing, action) (points)")
        ax.legend()
        plt.show()
        first = gammas[q_browsing.argmax(axis=1) == 0].min()
        print(f"the cleanser is the best first recommendation from γ ≈ {first:.2f} on")
        """
    ),
    md(
        r"""
        What to see: at $\gamma = 0$ the lines start at the immediate rewards, where
        the lipstick leads. As $\gamma$ grows the cleanser's line climbs much faster
        than the lipstick's, because the future it opens is worth more, and overtakes
        it near $\gamma = 0.25$. With our $\gamma = 0.9$ the gap is wide.

        ## 8. Learning from experience: Q-learning

        Value iteration read the counter's probabilities. A real shop does not know
        them; it only sees what happens, one transition $(s, a, r, s')$ at a time.
        **Q-learning** learns the optimal action values $Q^*$ from such transitions
        alone. After each one it computes the *TD target* (temporal-difference target),
        what this transition says the action was worth,

        $$y = r + \gamma \max_{a'} Q(s', a') \quad\text{or just}\quad y = r \text{ if the shopper left,}$$

        and moves its estimate a fraction $\alpha$ (the *step size*) of the way towards
        it: $Q(s, a) \leftarrow Q(s, a) + \alpha\,\big(y - Q(s, a)\big)$. When the session
        ends (*terminated*), there is no future to add: bootstrapping from `left` would
        invent rewards that never come.

        To learn about every action the agent must sometimes try actions it does not
        believe best: it acts **ε-greedily**, picking a random action with chance ε
        (here 0.5) and its current best otherwise. The library's `tabular.q_learning`
        plays sessions this way and lets the step size of each (state, action) shrink
        as it is visited more ($\alpha = n^{-0.8}$ at the $n$-th visit), so the noise
        of single transitions averages out.

        ### Exercise 4: the Q-learning update

        Write `q_learning_update(q_values, state, action, reward, next_state,
        terminated, step_size, gamma)` returning the table after one update (a new
        array or the same one, changed in place).
        """
    ),
    code(
        """
        def q_learning_update(
            q_values, state, action, reward, next_state, terminated, step_size, gamma
        ):
            \"\"\"Return the Q-table (S, A) after one Q-learning update.\"\"\"
            ### HINT: td_target = reward if terminated else reward + gamma * q_values[next_state].max()
            ### BEGIN SOLUTION
            q_values = q_values.copy()
            td_target = reward if terminated else reward + gamma * q_values[next_state].max()
            q_values[state, action] += step_size * (td_target - q_values[state, action])
            return q_values
            ### END SOLUTION
        """
    ),
    code(
        """
        passed = checks.check_q_learning_update(q_learning_update)
        """
    ),
    md(
        r"""
        Now let the library's Q-learning play 50,000 steps of sessions at the counter
        (about a second) and compare what it learned with the exact $Q^*$ from
        value iteration:
        """
    ),
    code(
        """
        result = tabular.q_learning(mdp, GAMMA, n_updates=50_000, seed=SEED, progress=False)
        print(f"{result.n_episodes} sessions played; learned Q-values:\\n")
        print(tabular.format_table(mdp, result.q_values))
        print("\\nexact Q-values from value iteration:\\n")
        print(tabular.format_table(mdp, q_star))
        """
    ),
    code(
        """
        errors = np.abs(result.q_history - q_star)[:, :3]  # (K, 3 live states, A)
        optimal_now = (result.q_history[:, :3].argmax(axis=2) == policy[:3]).all(axis=1)
        stays_optimal = result.updates[np.flatnonzero(~optimal_now).max() + 1]
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.loglog(result.updates[1:], errors.max(axis=(1, 2))[1:], label="largest error")
        ax.loglog(result.updates[1:], errors.mean(axis=(1, 2))[1:], label="average error")
        ax.axvline(stays_optimal, color="grey", linestyle=":", label="policy optimal from here")
        ax.set_title("Q-learning approaching the exact action values")
        ax.set(xlabel="updates (transitions learned from)", ylabel="|Q − Q*| (points)")
        ax.legend()
        plt.show()
        print(tabular.format_policy(mdp, tabular.greedy_policy(result.q_values)))
        """
    ),
    md(
        r"""
        What to see: the errors fall steeply over the first thousand updates, then
        slowly and unevenly. Single transitions are noisy (a recommendation earns 0, 1
        or 14 points), so a run of lucky or unlucky shoppers pushes the estimates
        around; the shrinking step size makes these wobbles smaller over time, but
        only slowly. Notice also that most learned values in the table above are a
        little too high: the max in the TD target picks whichever noisy estimate
        happens to be high, so the targets lean upwards. This *overestimation* comes
        back with the DQN in later notebooks. The dotted line
        marks when the greedy policy of the learned table became optimal for good,
        long before the values are exact: ranking the actions is easier than valuing
        them. Q-learning found that the cleanser beats the lipstick without ever
        reading the counter's table.

        ## Summary

        - The seven elements of RL at the counter: the agent recommends (action) to a
          shopper (environment) in some situation (state) and earns funnel points
          (reward); a policy chooses the action and a value function predicts the
          return still to come.
        - The **return** $\sum_t \gamma^t r_t$ discounts future rewards; $\gamma = 0$ is
          the myopic shop.
        - The **Bellman equation** splits a value into the reward now and $\gamma$ times
          the value next. For one policy it is a linear system; with the max over
          actions, **value iteration** solves it by repeated backups, each shrinking
          the error by the factor $\gamma$.
        - At the counter the myopic action (the hyped lipstick) earns more now and far
          less overall: a browsing shopper is worth 6.5 points to the myopic policy and
          25.5 to the optimal one.
        - **Q-learning** learns the same action values from sampled transitions with
          the TD target $r + \gamma \max_{a'} Q(s', a')$, which is just $r$ when the
          session terminated.

        **Limits.** The counter is invented, and it has four states that can be listed
        in a table. The real shop describes a shopper with 63 numbers, so no table can
        hold a value for every situation: notebook 04 replaces the table with a neural
        network, the Q-network.

        ## What's next

        **02 · The beauty shop**: the full simulator, with its catalog, shoppers and
        click → cart → purchase funnel, where you follow one session step by step and
        see the non-RL recommenders leave value on the table.
        """
    ),
]

if __name__ == "__main__":
    print(write("01_rl_in_a_nutshell", CELLS))
