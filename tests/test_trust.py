"""Who may change what runs: measure.d and each driver's file.

A driver runs as magg's user; a file others can write (or own) lets them run
code as that user. magg warns on stderr and --check makes it a problem; it
never refuses to run.
"""

import collections
import os
import stat

import pytest

from app.trust import Accounts, doubts
from fakedriver import write_driver
from test_operators import on_terminal

Info = collections.namedtuple("Info", "st_uid st_gid st_mode")
ME = 1000


class FakeAccounts(object):
    def __init__(self, members):
        self._members = members

    def user(self, uid):
        return "uid %d" % uid

    def group(self, gid):
        return "gid %d" % gid

    def members(self, gid):
        return self._members.get(gid)


ACCOUNTS = FakeAccounts({1000: {1000}, 100: {1000, 1001}, 50: set()})


def file(uid=ME, gid=ME, mode=0o755, kind=stat.S_IFREG):
    return Info(uid, gid, kind | mode)


# -- the rule (no processes) ----------------------------------------------------

def test_a_file_of_magg_s_user_or_root_writable_only_by_its_owner_is_trusted():
    assert doubts(file(), ME, ACCOUNTS) == []
    assert doubts(file(uid=0, gid=0), ME, ACCOUNTS) == []


def test_a_file_owned_by_someone_else_is_doubted():
    assert doubts(file(uid=1001), ME, ACCOUNTS) == [
        "owned by uid 1001, not by magg's user uid 1000 or root"]


def test_a_file_writable_by_every_user_is_doubted():
    assert doubts(file(mode=0o757), ME, ACCOUNTS) == ["writable by every user (mode 0757)"]


def test_group_writable_is_trusted_when_the_group_is_private_to_the_owner():
    assert doubts(file(gid=1000, mode=0o775), ME, ACCOUNTS) == []


def test_group_writable_is_doubted_when_the_group_has_other_members():
    assert doubts(file(gid=100, mode=0o775), ME, ACCOUNTS) == [
        "writable by group gid 100 (mode 0775), which has members other than its owner"]


def test_group_writable_is_doubted_when_the_group_is_empty_or_unknown():
    assert doubts(file(gid=50, mode=0o775), ME, ACCOUNTS)       # setgid-style group
    assert doubts(file(gid=4242, mode=0o775), ME, ACCOUNTS)     # no such group


def test_a_sticky_directory_holding_a_target_may_be_writable_by_all():
    tmp = file(uid=0, gid=0, mode=0o1777, kind=stat.S_IFDIR)
    assert doubts(tmp, ME, ACCOUNTS, sticky_ok=True) == []
    assert doubts(tmp, ME, ACCOUNTS) == ["writable by every user (mode 1777)"]


def test_accounts_of_this_machine_name_users_and_count_primary_group_members():
    accounts = Accounts()
    me = os.geteuid()
    assert "uid %d" % me in accounts.user(me)
    assert me in accounts.members(os.getegid()) or os.getegid() != os.getgid()
    assert accounts.members(2 ** 31 - 7) is None


# -- through magg -----------------------------------------------------------------

def add_mode(path, bits):
    os.chmod(str(path), os.stat(str(path)).st_mode | bits)


def test_driver_writable_by_others_warns_and_still_runs(servo, measure_d, magg):
    add_mode(write_driver(measure_d, "prom", describe={"cpu": {}}), stat.S_IWOTH)
    run = magg.measure(servo, {"metrics": ["cpu"]})
    assert run.ok, run
    warning = [l for l in run.stderr.splitlines() if "measure.d/prom" in l]
    assert len(warning) == 1 and "writable by every user" in warning[0], run.stderr


def test_check_makes_a_driver_writable_by_others_a_problem(servo, measure_d, magg):
    add_mode(write_driver(measure_d, "prom"), stat.S_IWOTH)
    write_driver(measure_d, "vegeta")
    run = magg.call(servo, ["--check", "app1"])
    assert run.returncode == 1 and run.result["reason"] == "check", run
    assert "writable by every user" in run.result["drivers"]["prom"]["problem"]
    assert run.result["drivers"]["vegeta"]["problem"] is None
    assert list(run.result["unsafe"]) == ["measure.d/prom"]
    os.chmod(str(measure_d / "prom"), 0o755)
    assert magg.call(servo, ["--check", "app1"]).ok


def test_check_makes_a_measure_d_writable_by_others_a_problem(servo, measure_d, magg):
    write_driver(measure_d, "prom")
    add_mode(measure_d, stat.S_IWOTH | stat.S_ISVTX)    # sticky or not: anyone can add one
    run = magg.call(servo, ["--check", "app1"])
    assert run.returncode == 1, run
    assert "writable by every user" in run.result["unsafe"]["measure.d"]
    assert "measure.d: " in run.result["message"]
    assert run.result["drivers"]["prom"]["problem"] is None


def other_group():
    """A group of this machine with members other than root, or None."""
    import grp
    accounts = Accounts()
    for group in grp.getgrall():
        if group.gr_gid != 0 and accounts.members(group.gr_gid) not in (None, {0}):
            return group.gr_gid
    return None


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another group needs root")
def test_check_makes_a_driver_writable_by_a_shared_group_a_problem(servo, measure_d, magg):
    gid = other_group()
    if gid is None:
        pytest.skip("no group on this machine has members other than root")
    path = write_driver(measure_d, "prom")
    os.chown(path, 0, gid)
    add_mode(path, stat.S_IWGRP)
    run = magg.call(servo, ["--check", "app1"])
    assert run.returncode == 1, run
    assert "which has members other than its owner" in run.result["drivers"]["prom"]["problem"]


@pytest.mark.skipif(os.geteuid() != 0, reason="the private group checked is root's")
def test_driver_writable_by_the_owners_private_group_is_no_problem(servo, measure_d, magg):
    if Accounts().members(0) != {0}:
        pytest.skip("root's group has other members on this machine")
    path = write_driver(measure_d, "prom")
    os.chown(path, 0, 0)
    add_mode(path, stat.S_IWGRP)
    run = magg.call(servo, ["--check", "app1"])
    assert run.ok, run


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_check_makes_a_driver_owned_by_another_user_a_problem(servo, measure_d, magg):
    path = write_driver(measure_d, "prom")
    os.chown(path, 54321, -1)
    run = magg.call(servo, ["--check", "app1"])
    assert run.returncode == 1, run
    assert "owned by uid 54321" in run.result["drivers"]["prom"]["problem"]


def test_symlinked_driver_is_judged_by_its_target_and_the_targets_directory(
        servo, measure_d, magg, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    target = write_driver(shared, "prom")
    os.symlink(target, str(measure_d / "prom"))
    assert magg.call(servo, ["--check", "app1"]).ok
    add_mode(shared, stat.S_IWOTH)             # anyone could replace the target
    problem = magg.call(servo, ["--check", "app1"]).result["drivers"]["prom"]["problem"]
    assert "the directory of its target, %s, is writable by every user" % shared in problem
    add_mode(shared, stat.S_ISVTX)             # sticky: only its owner can
    assert magg.call(servo, ["--check", "app1"]).ok
    add_mode(target, stat.S_IWOTH)
    problem = magg.call(servo, ["--check", "app1"]).result["drivers"]["prom"]["problem"]
    assert "its target %s is writable by every user" % target in problem


def test_a_switched_off_driver_is_nobody_s_concern(servo, measure_d, magg):
    (servo / "config.yaml").write_text("magg:\n  drivers:\n    old: {run: never}\n")
    write_driver(measure_d, "prom")
    add_mode(write_driver(measure_d, "old"), stat.S_IWOTH)
    run = magg.call(servo, ["--check", "app1"])
    assert run.ok, run
    assert "measure.d/old" not in run.stderr


def test_check_table_has_a_line_per_file_others_can_change(servo, measure_d, magg):
    add_mode(write_driver(measure_d, "prom"), stat.S_IWOTH)
    code, out = on_terminal(magg, servo, ["--check", "app1"])
    assert code == 1, out
    assert "unsafe: measure.d/prom: writable by every user (mode 0757)" in out
