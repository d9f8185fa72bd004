"""Course helpers: the tiny beauty counter, exercise checks, glossary, course map.

* ``tabular``: a four-state beauty-counter MDP, value iteration, policy
  evaluation and tabular Q-learning (notebook 01).
* ``checks``: one ``check_*`` function per exercise; each runs the learner's
  function against a reference and prints a verdict with a hint. The checks
  of later notebooks live beside it: ``checks_design`` (03), ``checks_dqn``
  (04, 05), ``checks_training`` (06) and ``checks_debug`` (07).
* ``article_dqn``: the source article's DQN snippet made runnable, each of its
  defects a switch (notebook 07 and ``benchmarks/article_loop.py``).
* ``glossary``: English and Chinese terms, with the source article's seven
  core elements of reinforcement learning.
* ``outline``: the course map with time estimates.
* ``student_edition``: writes the student edition of the notebooks (imported
  on demand: it needs ``nbformat``).
"""

from beautyrl_lib.course import checks, glossary, outline, tabular

__all__ = ["checks", "glossary", "outline", "tabular"]
