"""What every exercise check must do, asserted once for all checks modules.

The test files of ``course.checks*`` parametrize over their own checks and
call these: a check passes correct code, fails a known mistake with its
hint, and greets a stub that raises NotImplementedError without a traceback.
"""


def assert_passes(capsys, check, correct) -> None:
    """The check accepts correct code and says so."""
    assert check(correct) is True
    assert "Correct!" in capsys.readouterr().out


def assert_fails_with_hint(capsys, check, mistake, hint: str) -> None:
    """The check rejects a typical mistake, shows both answers and the hint."""
    assert check(mistake) is False
    out = capsys.readouterr().out
    assert "Not yet." in out
    assert "expected:" in out and "received:" in out
    assert hint in out


def assert_stub_is_pending(capsys, check, stub) -> None:
    """A stub gets a friendly 'not implemented yet', never a traceback."""
    assert check(stub) is False
    out = capsys.readouterr().out
    assert "Not implemented yet." in out
    assert "Traceback" not in out
