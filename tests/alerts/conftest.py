from __future__ import annotations

import pytest

from .receivers import HttpReceiver, SmtpReceiver


@pytest.fixture
def http():
    receiver = HttpReceiver().start()
    yield receiver
    receiver.release()
    receiver.stop()


@pytest.fixture
def smtp():
    receiver = SmtpReceiver().start()
    yield receiver
    receiver.stop()
