"""Build notebooks/00_start_here.ipynb (run from anywhere; then execute it)."""
# ruff: noqa: E501  (cell text is dedented by 8 columns; the notebook lines fit in 88)

from nbtools import code, md, write

CELLS = [
    md(
        """
        # 00 · Start here

        Welcome to **BeautyRL**, a course on deep reinforcement learning (RL) taught
        through one running example: the recommender of an online beauty shop. Each
        step it shows a shopper one product; the shopper may click it, add it to the
        cart and buy it, or lose patience and leave. A recommender that only chases
        the next click leaves money on the table, and RL is the tool that learns to
        look further ahead.

        **In this notebook you will**

        1. check that your setup works;
        2. see the map of the course and how long each part takes;
        3. learn how exercises and their automatic checks work, by doing a tiny one;
        4. meet the vocabulary, in English and Chinese (the course grew from a Chinese
           article, and its terms are kept side by side).

        **Prerequisites:** Python (functions, lists, loops) and a little NumPy. No RL
        or deep learning yet.

        **Time:** about 15 minutes.
        """
    ),
    md(
        """
        ## 1. Check your setup

        The next cell imports the course library `beautyrl_lib` and the packages it
        builds on, and prints their versions. The course is tested with the versions
        pinned in `requirements.txt`; newer ones usually work. (This cell's output
        differs between machines, so the notebook tests ignore it.)
        """
    ),
    code(
        """
        import sys

        import gymnasium
        import matplotlib
        import numpy as np
        import torch

        import beautyrl_lib

        print(f"python        {sys.version.split()[0]}")
        for module in (beautyrl_lib, np, torch, gymnasium, matplotlib):
            print(f"{module.__name__:<13} {module.__version__}")
        """,
        tags=("nbval-ignore-output",),
    ),
    md(
        """
        Now a quick run of the shop itself. Importing `beautyrl_lib` registers the
        shop as a [Gymnasium](https://gymnasium.farama.org) environment called
        `BeautyShop-v0`. We start one shopper's session with a fixed seed, so you see
        exactly the numbers below, and ask for one recommendation of product 0.
        """
    ),
    code(
        """
        env = gymnasium.make("BeautyShop-v0")
        obs, info = env.reset(seed=0)
        print("what the shop observes:", obs.shape, "numbers")
        print("products it can recommend:", env.action_space.n)

        obs, reward, terminated, truncated, info = env.step(0)
        print(f"reward {reward}, shopper left: {terminated}, clicked: {bool(info['click'])}")
        print("torch works:", torch.ones(2, 3).sum().item() == 6.0)
        """
    ),
    md(
        """
        If both cells ran without an error, you are set. If an import failed, install
        the course's requirements from the repository's root folder with
        `pip install -r requirements.txt` and restart the kernel.

        ## 2. The map of the course

        The core course has eight notebooks. Notebook 01 learns the ideas of RL on a
        problem small enough to solve by hand; notebooks 02 and 03 open up the shop;
        04 to 06 build a deep Q-network (DQN) piece by piece and train it; 07 takes a
        published DQN snippet apart. The times include reading, running and the
        exercises; reading alone takes about half.
        """
    ),
    code(
        """
        from IPython.display import Markdown, display

        from beautyrl_lib.course import checks, glossary, outline

        display(Markdown(outline.course_map_markdown()))
        """
    ),
    md(
        """
        Every notebook follows the same pattern: goals and time first, one idea
        explained with plots, an exercise where you write the key piece, a check that
        tells you whether it is right, and a summary.

        ## 3. How exercises and checks work

        The notebooks in the course folder are the **teacher edition**: they contain
        the solutions, so they run from top to bottom. The **student edition** is
        generated from them and has each solution replaced by a line that raises
        `NotImplementedError` with a hint. Generate it with

        ```bash
        python -m beautyrl_lib student-edition --src notebooks --out student
        ```

        and open the notebooks in `student/`. In the teacher edition a solution sits
        between two marker comments, which the generator looks for:

        ```python
        def step_reward(click, cart, purchase):
            ### HINT: ...shown to the learner in the student edition...
            ### BEGIN SOLUTION
            ...the solution...
            ### END SOLUTION
        ```

        Under every exercise a cell calls a **check** from `beautyrl_lib.course.checks`.
        The check runs your function on several inputs and compares each answer with a
        reference. It prints one line: a green *Correct!*, a yellow *Not implemented
        yet.*, or a red *Not yet.* with the first input that failed, the expected and
        the received answer, and a hint. When your answer is exactly what a common
        mistake gives, the hint names that mistake. Checks never crash on your code, so
        run them as often as you like. The cells after a check use the library's own
        version of the function, so skipping an exercise never blocks the rest.

        ### Exercise 0: the points of one recommendation

        The shop scores each recommendation along the *funnel* click → add-to-cart →
        purchase. Every stage reached earns its points: **1** for a click, **3 more**
        for an add-to-cart and **10 more** for a purchase. A shopper can only add to
        the cart what they clicked, and only buy what is in the cart, so a purchase
        earns 1 + 3 + 10 = 14 points. Write `step_reward`, which returns the points of
        one recommendation given which stages were reached.
        """
    ),
    code(
        """
        def step_reward(click: bool, cart: bool, purchase: bool) -> float:
            \"\"\"Funnel points of one recommendation (1 click, 3 cart, 10 purchase).\"\"\"
            ### HINT: add the points of each stage reached; True counts as 1 in arithmetic.
            ### BEGIN SOLUTION
            return 1.0 * click + 3.0 * cart + 10.0 * purchase
            ### END SOLUTION
        """
    ),
    code(
        """
        passed = checks.check_step_reward(step_reward)
        """
    ),
    md(
        """
        The check also returns `True` or `False`, kept here in `passed`. To see what a
        failed check looks like, here is a version with a typical slip: it counts only
        the last stage reached.
        """
    ),
    code(
        """
        def step_reward_last_stage_only(click, cart, purchase):
            if purchase:
                return 10.0
            return 3.0 if cart else 1.0 * click


        passed = checks.check_step_reward(step_reward_last_stage_only)
        """
    ),
    md(
        """
        The message names the input that failed (a click and an add-to-cart), the
        answer the check expected (4 points), yours (3 points), and the mistake it
        recognised.

        ## 4. The vocabulary, English and 中文

        The course grew from a Chinese article on deep RL for beauty recommendation.
        Its section 2.2 names seven core elements of RL. Here they are with what each
        one is in our shop; notebook 01 makes every one of them concrete.
        """
    ),
    code(
        """
        display(Markdown(glossary.glossary_markdown(topic="element")))
        """
    ),
    md(
        """
        The rest of the glossary: more RL words, the deep-RL words of notebooks 04 to
        07, and the shop's words. The last column says whether the Chinese term is the
        article's own; the others are the usual textbook terms.
        """
    ),
    code(
        """
        columns = ("english", "chinese", "meaning", "in_article")
        for topic in ("rl", "deep", "shop"):
            display(Markdown(glossary.glossary_markdown(topic=topic, columns=columns)))
        """
    ),
    md(
        """
        ## Summary

        - Your setup runs the course library, the shop and PyTorch.
        - The course has eight core notebooks, a little over six hours in all.
        - Exercises sit between `### BEGIN SOLUTION` and `### END SOLUTION` in the
          teacher edition; the student edition replaces them with a hinted
          `NotImplementedError`; a check under each exercise says *Correct!* or gives a
          hint that names the failing input.
        - The seven elements of RL (agent 智能体, environment 环境, state 状态, action
          行动, reward 奖励, value function 价值函数, policy 策略) map onto the shop:
          the recommender, the shopper and catalog, what the shop observes, the product
          shown, the funnel points, the points still to come, and the recommendation
          rule.

        ## What's next

        **01 · RL in a nutshell**: the seven elements at work on a tiny beauty counter
        with four states, where you compute returns and values by hand, solve the
        counter exactly with value iteration, and watch Q-learning find the same answer
        from experience alone.
        """
    ),
]

if __name__ == "__main__":
    print(write("00_start_here", CELLS))
