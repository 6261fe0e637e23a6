"""The trainers' overview and the module form, with its state."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms.auth.models import Role
from lms.auth.permissions import permitted, role_required
from lms.auth.queries import trainer_candidates
from lms.extensions import db
from lms.forms import ActionForm, searching
from lms.i18n import _
from lms.instrumente.queries import published_candidates
from lms.module import queries, services
from lms.module.forms import ModuleForm
from lms.module.models import MANAGER_ROLES, Module
from lms.module.views import PER_PAGE, bp, clock
from lms.submit import submit


@bp.get("/qualifizierung/verwaltung")
@role_required(*MANAGER_ROLES)
def manage():
    now = clock()
    modules = db.paginate(queries.managed_modules_query(current_user), per_page=PER_PAGE, error_out=False,
                          page=request.args.get("module_seite", 1, type=int))
    offerings = db.paginate(queries.managed_offerings_query(current_user, now=now), per_page=PER_PAGE,
                            error_out=False, page=request.args.get("seite", 1, type=int))
    return render_template("module/manage.html", modules=modules, offerings=offerings, now=now)


def _module_form(module: Module | None = None) -> ModuleForm:
    form = ModuleForm(obj=module)
    if module is not None and request.method == "GET":
        form.audiences.data = sorted(module.audiences)
        form.prerequisites.data = [m.id for m in module.prerequisites]
        form.trainers.data = [t.id for t in module.trainers]
        form.materials.data = [i.id for i in module.materials]
    elif module is None and request.method == "GET" and current_user.has_role(Role.TRAINER):
        form.trainers.data = [current_user.id]
    form.prerequisites.offer(queries.prerequisite_candidates(module))
    form.trainers.offer(trainer_candidates())
    form.materials.offer(published_candidates())
    return form


@bp.route("/qualifizierung/verwaltung/module/neu", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def new_module():
    form = _module_form()
    if not searching(form) and form.validate_on_submit() and (outcome := submit(
            lambda: services.create_module(current_user, form.to_input(), now=clock()), form=form,
            success=_("Das Modul wurde als Entwurf angelegt."))):
        return redirect(url_for("module.edit_module", module_id=outcome.value.id))
    return render_template("module/module_form.html", form=form, module=None), 422 if form.errors else 200


@bp.route("/qualifizierung/verwaltung/module/<int:module_id>", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def edit_module(module_id: int):
    module = permitted(Module, module_id, Module.can_edit)
    form = _module_form(module)
    if not searching(form) and form.validate_on_submit() and submit(
            lambda: services.update_module(current_user, module, form.to_input(), now=clock()), form=form,
            success=_("Das Modul wurde gespeichert.")):
        return redirect(url_for("module.edit_module", module_id=module.id))
    offerings = queries.offerings_of_module(module, now=clock(), include_past=True)
    return render_template("module/module_form.html", form=form, module=module, offerings=offerings,
                           state_form=ActionForm(), now=clock()), 422 if form.errors else 200


@bp.post("/qualifizierung/verwaltung/module/<int:module_id>/status")
@role_required(*MANAGER_ROLES)
def module_state(module_id: int):
    module = permitted(Module, module_id, Module.can_edit)
    if ActionForm().validate_on_submit() and submit(
            lambda: services.set_module_state(current_user, module, request.form.get("state", ""), now=clock())):
        flash(_("Der Status des Moduls ist jetzt: %(state)s.", state=module.state_label), "success")
    return redirect(url_for("module.edit_module", module_id=module.id))
