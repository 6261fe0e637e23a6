"""Extension objects, created unbound; create_app binds them."""
from flask import has_request_context, request
from flask_babel import Babel
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from lms.db import Base
from lms.inputs import page_number
from lms.ratelimit import Limiter


class Database(SQLAlchemy):
    def paginate(self, select, *, page=None, **options):
        """Flask-SQLAlchemy's pagination with the page number from the query string bounded, so
        that `?page=99999999999999999999` is a late empty page rather than an overflowing OFFSET."""
        if page is None and has_request_context():
            page = page_number(request.args.get("page"))
        return super().paginate(select, page=page, **options)


db = Database(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
