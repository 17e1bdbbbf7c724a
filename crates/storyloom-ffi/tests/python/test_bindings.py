"""The generated Python bindings of storyloom-ffi, used as an app would use them.

Run by `crates/storyloom-ffi/tests/python.rs`, which starts a real Storyloom server, generates
the `storyloom_ffi` module next to the built library into a temporary directory, puts that
directory on PYTHONPATH and sets STORYLOOM_TEST_SERVER. By hand:

    scripts/bindings && PYTHONPATH=bindings/python STORYLOOM_TEST_SERVER=http://127.0.0.1:8080 \
        python3 -m unittest discover -s crates/storyloom-ffi/tests/python -v

What it proves, through the FFI only: the app's own SessionStore (a foreign trait) receives and
hands back the session; a hero created with no reachable server is stored locally and queued;
a sync without a server reports Offline as a typed error and through the state observer
(Idle -> Running -> Offline); the same device back online pushes the hero, and another device
signing in to the account pulls it from the server.
"""

import asyncio
import datetime
import json
import os
import shutil
import socket
import tempfile
import threading
import unittest
import uuid

import storyloom_ffi as sl

SERVER = os.environ["STORYLOOM_TEST_SERVER"]
PASSWORD = "correct horse battery"
TIMEOUT = 15.0


class MemoryKeychain(sl.SessionStore):
    """Stands in for the iOS Keychain: stores the opaque session string as given."""

    def __init__(self):
        self.value = None
        self.saves = 0

    def load(self):
        return self.value

    def save(self, session):
        self.value = session
        self.saves += 1

    def clear(self):
        self.value = None


class Recorder:
    """Collects callbacks, which arrive on one of the library's threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._items = []

    def record(self, item):
        with self._lock:
            self._items.append(item)

    def items(self):
        with self._lock:
            return list(self._items)

    async def wait_for(self, predicate, what):
        deadline = asyncio.get_running_loop().time() + TIMEOUT
        while not predicate(self.items()):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out waiting for {what}; got {self.items()}")
            await asyncio.sleep(0.01)
        return self.items()


class StateRecorder(sl.SyncStateObserver, Recorder):
    def __init__(self):
        Recorder.__init__(self)

    def on_state_changed(self, state):
        self.record(state)


class EntityRecorder(sl.EntityObserver, Recorder):
    def __init__(self):
        Recorder.__init__(self)

    def on_entity_changed(self, change):
        self.record(change)


def unreachable_url():
    """A loopback port nobody listens on: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def names(states):
    """State kinds with consecutive repeats collapsed."""
    out = []
    for s in states:
        name = next(n for n in ("idle", "running", "offline", "error") if getattr(s, f"is_{n}")())
        if not out or out[-1] != name:
            out.append(name)
    return out


def client(url, data_dir, keychain, **retry):
    b = sl.ClientBuilder(url).data_dir(data_dir).session_store(keychain)
    b = b.max_retries(retry.get("max_retries", 0))
    if "base_delay" in retry:
        b = b.retry_base_delay(retry["base_delay"])
    return b.build()


class BindingsTest(unittest.IsolatedAsyncioTestCase):
    def temp_dir(self, prefix):
        path = tempfile.mkdtemp(prefix=prefix)
        self.addCleanup(shutil.rmtree, path, ignore_errors=True)
        return path

    async def test_offline_hero_syncs_and_the_state_is_observed(self):
        device_dir = self.temp_dir("storyloom-device-")
        keychain = MemoryKeychain()
        email = f"parent-{uuid.uuid4().hex}@example.com"

        # Sign up online; the session goes to the app's store, opaque but complete.
        online = client(SERVER, device_dir, keychain)
        user = await online.auth().sign_up(email, PASSWORD, "Parent")
        self.assertEqual(user.email, email)
        self.assertIsInstance(user.created_at, datetime.datetime)
        self.assertEqual(keychain.saves, 1)
        self.assertEqual(json.loads(keychain.value)["user"]["id"], user.id)
        self.assertEqual(online.auth().current_user().id, user.id)
        del online

        # The same device with no reachable server. The session comes back from the store.
        offline = client(unreachable_url(), device_dir, keychain,
                         max_retries=1, base_delay=datetime.timedelta(milliseconds=400))
        self.assertTrue(offline.auth().is_signed_in())
        self.assertEqual(offline.auth().current_user().email, email)
        sync = offline.sync()
        states = StateRecorder()
        entities = EntityRecorder()
        state_sub = sync.observe_state(states)
        entity_sub = sync.observe_entities(entities)
        await states.wait_for(lambda s: len(s) >= 1, "the initial state")
        self.assertTrue(states.items()[0].is_idle())

        # Create a hero before any sync: stored and queued locally.
        with self.assertRaises(sl.StoryloomError.InvalidInput) as bad:
            await offline.heroes().create(sl.NewHero(name="Mia", age=0, traits=[]))
        self.assertIn(bad.exception.field, ("age", "traits"))
        hero = await offline.heroes().create(sl.NewHero(
            name="Mia", age=6, traits=[sl.HeroTrait.BRAVE, sl.HeroTrait.CURIOUS],
            hair_color="brown"))
        self.assertEqual(hero.version, 0)
        self.assertEqual([h.id for h in await offline.heroes().list()], [hero.id])
        info = await offline.heroes().sync_info(hero.id)
        self.assertEqual(info.status, sl.SyncStatus.PENDING_CREATE)
        self.assertEqual(await sync.pending_count(), 1)
        await entities.wait_for(
            lambda cs: any(c.is_changed() and c.id == hero.id and c.entity == sl.EntityKind.HERO
                           for c in cs),
            "the hero's change event")

        # Syncing offline is a typed error, and the observer follows Idle -> Running -> Offline
        # (the retry's backoff keeps the engine Running long enough to be seen).
        with self.assertRaises(sl.StoryloomError.Offline):
            await sync.sync_now()
        await states.wait_for(lambda s: names(s)[-1:] == ["offline"], "the offline state")
        self.assertEqual(names(states.items()), ["idle", "running", "offline"])
        self.assertTrue(sync.state().is_offline())
        self.assertEqual(await sync.pending_count(), 1)
        state_sub.cancel()
        entity_sub.cancel()
        self.assertTrue(state_sub.is_finished())
        del offline, sync

        # Back online on the same device: the queued hero is pushed.
        online = client(SERVER, device_dir, keychain)
        sync = online.sync()
        states = StateRecorder()
        state_sub = sync.observe_state(states)
        await states.wait_for(lambda s: len(s) >= 1, "the initial state")
        report = await sync.sync_now()
        self.assertEqual(report.pushed, 1)
        self.assertEqual(report.failed, 0)
        await states.wait_for(lambda s: len(s) >= 2 and s[-1].is_idle(), "idle after the sync")
        self.assertTrue(set(names(states.items())) <= {"idle", "running"}, states.items())
        self.assertEqual(await sync.pending_count(), 0)
        synced = await online.heroes().sync_info(hero.id)
        self.assertEqual(synced.status, sl.SyncStatus.SYNCED)
        self.assertGreater(synced.version, 0)
        self.assertEqual(await sync.conflicts(), [])

        # A background sync can be started and stopped through its handle.
        background = sync.start_background()
        self.assertFalse(background.is_finished())
        background.cancel()
        self.assertTrue(background.is_finished())

        # Another device signs in to the account and pulls the hero from the server.
        other_keychain = MemoryKeychain()
        other = client(SERVER, self.temp_dir("storyloom-other-"), other_keychain)
        with self.assertRaises(sl.StoryloomError.InvalidInput) as wrong:
            await other.auth().sign_in(email, "not the password")
        self.assertEqual(wrong.exception.field, "password")
        await other.auth().sign_in(email, PASSWORD)
        self.assertEqual(await other.heroes().list(), [])
        pulled = await other.sync().sync_now()
        self.assertGreaterEqual(pulled.pulled, 1)
        heroes = await other.heroes().list()
        self.assertEqual([(h.id, h.name, h.hair_color) for h in heroes],
                         [(hero.id, "Mia", "brown")])
        self.assertEqual(heroes[0].traits, [sl.HeroTrait.BRAVE, sl.HeroTrait.CURIOUS])

        await other.auth().sign_out()
        self.assertIsNone(other.auth().current_user())
        self.assertIsNone(other_keychain.value)
        with self.assertRaises(sl.StoryloomError.SignedOut):
            await other.sync().sync_now()
        state_sub.cancel()


if __name__ == "__main__":
    unittest.main()
