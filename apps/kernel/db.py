"""Model building blocks shared by the apps."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.kernel import i18n


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, editable=False, db_index=True)

    class Meta:
        abstract = True


class TranslationsWidget(forms.MultiWidget):
    """One text box per interface language, labelled with the language's own name."""

    template_name = "gaplanner/widgets/translations.html"

    def __init__(self, *, multiline: bool = False, attrs: dict[str, Any] | None = None) -> None:
        self.codes = [code for code, _name in settings.LANGUAGES]
        base = forms.Textarea(attrs={"rows": 3}) if multiline else forms.TextInput()
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            code: type(base)(attrs={**base.attrs, "lang": code, "dir": "rtl" if i18n.is_rtl(code) else "ltr"})
            for code in self.codes
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[str]:
        value = value or {}
        return [value.get(code, "") for code in self.codes]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        for code, sub in zip(self.codes, context["widget"]["subwidgets"], strict=True):
            sub["language_name"] = i18n.language_name(code)
            sub["code"] = code
        return context


class TranslationsFormField(forms.JSONField):
    """A form field for multilingual text: one box per language, cleaned to an object."""

    def __init__(self, *, multiline: bool = False, text_max_length: int | None = None, **kwargs: Any) -> None:
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs["widget"] = TranslationsWidget(multiline=multiline)
        self.multiline = multiline
        self.text_max_length = text_max_length
        self.text_required = kwargs.get("required", True)
        kwargs["required"] = False
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, list):
            value = {code: text or "" for code, text in zip(self.widget.codes, value, strict=True)}
        return i18n.clean_translations(
            value, required=self.text_required, multiline=self.multiline, max_length=self.text_max_length
        )

    def prepare_value(self, value: Any) -> Any:
        return value

    def bound_data(self, data: Any, initial: Any) -> Any:
        if isinstance(data, list):
            return dict(zip(self.widget.codes, data, strict=True))
        return data

    def has_changed(self, initial: Any, data: Any) -> bool:
        return (initial or {}) != self.bound_data(data, initial)


class TranslationsField(models.JSONField):
    """Multilingual text stored as ``{"en": "…", "fr": "…"}``.

    ``max_length`` limits each language's text. Validation drops empty translations,
    refuses control characters, line breaks unless ``multiline``, and unbalanced bidi marks
    (:mod:`apps.kernel.text`) and, unless ``blank``, requires at least one language.
    """

    def __init__(self, *args: Any, multiline: bool = False, **kwargs: Any) -> None:
        self.multiline = multiline
        kwargs.setdefault("default", dict)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.multiline:
            kwargs["multiline"] = True
        return name, path, args, kwargs

    def clean(self, value: Any, model_instance: models.Model | None) -> Any:
        return i18n.clean_translations(
            value, required=not self.blank, multiline=self.multiline, max_length=self.max_length
        )

    def formfield(
        self,
        form_class: type[forms.Field] | None = None,
        choices_form_class: type[forms.ChoiceField] | None = None,
        **kwargs: Any,
    ) -> forms.Field:
        """One box per language, whatever form class the caller asks for."""
        return TranslationsFormField(
            multiline=self.multiline,
            text_max_length=self.max_length,
            required=not self.blank,
            label=kwargs.get("label", self.verbose_name),
            help_text=self.help_text,
        )


class Among(models.Func):
    """``column IN values`` for a long list of values, sent as one parameter: an array on
    PostgreSQL (``= ANY``), a JSON list elsewhere (``json_each``). A list of thousands of
    ids in ``__in`` costs a parameter each, and the driver's time to place them all."""

    output_field = models.BooleanField()
    conditional = True

    def __init__(self, column: str, values: Iterable[Any]) -> None:
        super().__init__(models.F(column))
        self.values = list(values)

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra: Any,
    ) -> Any:
        column, params = compiler.compile(self.source_expressions[0])
        # nosec B608: ``column`` is compiled by Django from a field name; the values are a parameter.
        sql = f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608  # nosec B608
        return sql, (*params, json.dumps(self.values))

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        column, params = compiler.compile(self.source_expressions[0])
        return f"{column} = ANY(%s)", (*params, self.values)
