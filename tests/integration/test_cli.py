from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import RateLimitHit
from app.models.base import utcnow


def test_purge_rate_limits_removes_only_expired_records(app, runner):
    with app.app_context():
        db.session.add(RateLimitHit(key="old", created_at=utcnow() - timedelta(hours=2)))
        db.session.add(RateLimitHit(key="new"))
        db.session.commit()
    result = runner.invoke(args=["purge-rate-limits"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 expired" in result.output
    with app.app_context():
        keys = list(db.session.scalars(select(RateLimitHit.key)))
        assert keys == ["new"]
        assert db.session.scalar(select(func.count()).select_from(RateLimitHit)) == 1
