import time

import pytest
import torch

from vklib import pretrained


@pytest.mark.parametrize("var", ["HF_HUB_OFFLINE", "VKLIB_OFFLINE"])
def test_offline_switch_fails_fast_with_instructions(monkeypatch, var):
    monkeypatch.setenv(var, "1")
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match=f"offline: {var}=1 is set.*USE_PRETRAINED = False"):
        pretrained.require_online("the test weights")
    assert time.perf_counter() - start < 2.0


def test_unreachable_host_fails_within_two_seconds(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("VKLIB_OFFLINE", raising=False)
    start = time.perf_counter()
    # 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never routed, so the connection attempt times out.
    with pytest.raises(ConnectionError, match="cannot be reached|gave no answer"):
        pretrained.require_online("the test weights", host="192.0.2.1", timeout=1.0)
    assert time.perf_counter() - start < 2.0


def test_hung_name_resolution_fails_within_two_seconds(monkeypatch):
    """socket's timeout does not bound DNS: a lookup that hangs must still give the offline message in time."""
    import socket

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("VKLIB_OFFLINE", raising=False)
    def hung_lookup(*args, **kwargs):
        time.sleep(10)
        raise socket.gaierror("no answer")   # what a lookup that finally gives up raises

    monkeypatch.setattr(socket, "getaddrinfo", hung_lookup)
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match="gave no answer within 1.5 s .*USE_PRETRAINED = False"):
        pretrained.require_online("the test weights", host="weights.example.org")
    assert time.perf_counter() - start < 2.0


def test_fetch_offline_fails_fast(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match="must be downloaded from example.org"):
        pretrained.fetch("https://example.org/weights.pt", sha256="0" * 64, directory=tmp_path)
    assert time.perf_counter() - start < 2.0


def test_fetch_validates_its_arguments(tmp_path):
    with pytest.raises(ValueError, match="https://"):
        pretrained.fetch("http://example.org/w.pt", sha256="0" * 64, directory=tmp_path)
    with pytest.raises(ValueError, match="64 hexadecimal digits"):
        pretrained.fetch("https://example.org/w.pt", sha256="abc", directory=tmp_path)


def test_fetch_uses_a_verified_cached_copy_without_network(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cached = tmp_path / "w.bin"
    cached.write_bytes(b"weights")
    digest = pretrained.sha256sum(cached)
    assert pretrained.fetch("https://example.org/w.bin", sha256=digest, directory=tmp_path) == cached
    # A cached file with the wrong digest is discarded, not used.
    with pytest.raises(ConnectionError):
        pretrained.fetch("https://example.org/w.bin", sha256="f" * 64, directory=tmp_path)
    assert not cached.exists()


def test_load_state_dict_is_safe_and_verified(tmp_path):
    model = torch.nn.Linear(3, 2)
    path = tmp_path / "m.pt"
    torch.save(model.state_dict(), path)
    state = pretrained.load_state_dict(path, sha256=pretrained.sha256sum(path))
    assert torch.equal(state["weight"], model.weight.detach())
    with pytest.raises(ValueError, match="SHA-256"):
        pretrained.load_state_dict(path, sha256="0" * 64)

    class Evil:
        def __reduce__(self):
            return (print, ("this must never run",))

    bad = tmp_path / "evil.pt"
    torch.save({"x": Evil()}, bad)
    with pytest.raises(Exception, match="[Ww]eights only load failed|Unsupported global"):
        pretrained.load_state_dict(bad)
