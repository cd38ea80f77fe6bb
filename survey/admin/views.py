"""Admin pages: list, create and change staff accounts; read the audit log."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from survey.admin.forms import ROLE_NAMES, AuditFilterForm, ConfirmForm, CreateUserForm, PasswordForm, RoleForm
from survey.auth import roles_required
from survey.extensions import db
from survey.filters import LIMA
from survey.models import Region, Round, User
from survey.services import audit, users

bp = Blueprint("admin", __name__, url_prefix="/admin")

AUDIT_PAGE_SIZE = 50


def _user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


def _user_page(user: User, *, role_form=None, password_form=None, status: int = 200):
    """Render one account with its forms and the latest audit events about it."""
    events = db.session.scalars(
        audit.search(audit.AuditFilter(object_type="user", object_id=str(user.id))).limit(20)
    )
    return render_template(
        "admin/user.html",
        user=user,
        role_form=role_form or RoleForm(role=user.role, regions=[r.id for r in user.regions],
                                        rounds=[r.id for r in user.shared_rounds]),
        password_form=password_form or PasswordForm(),
        confirm_form=ConfirmForm(),
        events=list(events),
        role_names=ROLE_NAMES,
    ), status


@bp.get("/users", endpoint="users")
@roles_required("admin")
def users_list():
    """All staff accounts."""
    return render_template("admin/users.html", users=users.list_all(), role_names=ROLE_NAMES)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def create_user():
    """Create an account with a temporary password."""
    form = CreateUserForm()
    if form.validate_on_submit():
        try:
            user = users.create(form.email.data, form.password.data, form.role.data, form.name.data or "",
                                is_temporary=True)
        except users.UserError as exc:
            form.email.errors.append(str(exc))
        else:
            audit.record("user.create", user, role=user.role)
            db.session.commit()
            flash(_("Usuario %(email)s creado.", email=user.email), "success")
            return redirect(url_for("admin.user", user_id=user.id))
    return render_template("admin/create_user.html", form=form), 400 if form.errors else 200


@bp.get("/users/<int:user_id>")
@roles_required("admin")
def user(user_id: int):
    """One account: its role, status, password, and what happened to it."""
    return _user_page(_user_or_404(user_id))


@bp.post("/users/<int:user_id>/role")
@roles_required("admin")
def change_role(user_id: int):
    """Give the account another role (its sessions end, so the new rights apply at once)."""
    user = _user_or_404(user_id)
    form = RoleForm()
    if not form.validate():
        return _user_page(user, role_form=form, status=400)
    old = user.role
    old_scope = ([r.ubigeo for r in user.regions], [r.id for r in user.shared_rounds])
    regions = list(db.session.scalars(select(Region).where(Region.id.in_(form.regions.data or []))))
    rounds = list(db.session.scalars(select(Round).where(Round.id.in_(form.rounds.data or []))))
    try:
        users.check_scope(form.role.data, regions)
        if form.role.data != old:
            users.change_role(user, form.role.data, by=current_user)
        users.set_scope(user, regions, rounds)
    except users.UserError as exc:
        form.role.errors.append(str(exc))
        return _user_page(user, role_form=form, status=400)
    new_scope = ([r.ubigeo for r in user.regions], [r.id for r in user.shared_rounds])
    if form.role.data == old and new_scope == old_scope:
        flash(_("El rol no cambió."), "info")
        return redirect(url_for("admin.user", user_id=user.id))
    audit.record("user.role", user, old=old, new=user.role, regions=new_scope[0] or None, rounds=new_scope[1] or None)
    db.session.commit()
    flash(_("Rol de %(email)s cambiado.", email=user.email), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/deactivate")
@roles_required("admin")
def deactivate(user_id: int):
    """Stop the account from logging in; its open sessions end."""
    user = _user_or_404(user_id)
    if not user.is_enabled:
        return redirect(url_for("admin.user", user_id=user.id))
    try:
        users.deactivate(user, by=current_user)
    except users.UserError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.user", user_id=user.id))
    audit.record("user.deactivate", user)
    db.session.commit()
    flash(_("Cuenta de %(email)s desactivada.", email=user.email), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/reactivate")
@roles_required("admin")
def reactivate(user_id: int):
    """Let a deactivated account log in again."""
    user = _user_or_404(user_id)
    if user.is_enabled:
        return redirect(url_for("admin.user", user_id=user.id))
    users.reactivate(user)
    audit.record("user.reactivate", user)
    db.session.commit()
    flash(_("Cuenta de %(email)s reactivada.", email=user.email), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/password")
@roles_required("admin")
def reset_password(user_id: int):
    """Set a temporary password for someone who lost theirs; their sessions end."""
    user = _user_or_404(user_id)
    form = PasswordForm()
    if not form.validate():
        return _user_page(user, password_form=form, status=400)
    if user.id == current_user.id:
        # A temporary password for oneself would end this session and force another change.
        form.password.errors.append(_("Para cambiar su propia contraseña use «Mi contraseña»."))
        return _user_page(user, password_form=form, status=400)
    users.set_password(user, form.password.data, is_temporary=True)
    audit.record("user.password", user, by="admin")
    db.session.commit()
    flash(_("Contraseña de %(email)s cambiada; comuníquesela por un canal seguro.", email=user.email), "success")
    return redirect(url_for("admin.user", user_id=user.id))


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LIMA)


@bp.get("/audit", endpoint="audit")
@roles_required("admin")
def audit_log():
    """The audit log, newest first, filtered by action, actor, object and dates (Lima days)."""
    form = AuditFilterForm(request.args)
    actions, types = audit.known_values()
    families = sorted({action.split(".", 1)[0] + ".*" for action in actions if "." in action})
    form.action.choices = [SelectChoice("", _("Todas"))] + [SelectChoice(value) for value in families + actions]
    form.object_type.choices = [SelectChoice("", _("Todos"))] + [SelectChoice(value) for value in types]
    wanted = audit.AuditFilter()
    if form.validate():
        wanted = audit.AuditFilter(
            action=form.action.data or "",
            actor=form.actor.data or "",
            object_type=form.object_type.data or "",
            object_id=form.object_id.data or "",
            since=_day_start(form.since.data) if form.since.data else None,
            until=_day_start(form.until.data + timedelta(days=1)) - timedelta(microseconds=1)
            if form.until.data else None,
        )
    page = request.args.get("page", 1, type=int)
    pagination = db.paginate(audit.search(wanted), page=max(page, 1), per_page=AUDIT_PAGE_SIZE,
                             error_out=False, count=True)
    filters = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("admin/audit.html", form=form, pagination=pagination, filters=filters)
