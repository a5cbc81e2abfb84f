{#- When a lot granted at `granted_at_expression` expires, where nothing says so: the days of its
    kind (`kind_expression`, a column or literal holding a ledger kind) in the var
    `atlas_billing_credit_expiry_days`, else `atlas_billing_purchase_expiry_days` (the 365 days
    the pricing page gives purchased credits). -#}
{% macro credit_expires_at(kind_expression, granted_at_expression) -%}
    {%- set by_kind = atlas_billing.credit_expiry_days_by_kind() -%}
    {%- set default_days = atlas_billing.expiry_days(
        var('atlas_billing_purchase_expiry_days'), 'atlas_billing_purchase_expiry_days'
    ) -%}
    {%- if by_kind -%}
    case {{ kind_expression }}
        {%- for kind, days in by_kind.items() %}
        when '{{ kind }}' then {{ atlas_billing.add_days_to_timestamp(days, granted_at_expression) }}
        {%- endfor %}
        else {{ atlas_billing.add_days_to_timestamp(default_days, granted_at_expression) }}
    end
    {%- else -%}
    {{ atlas_billing.add_days_to_timestamp(default_days, granted_at_expression) }}
    {%- endif -%}
{%- endmacro %}

{#- The var `atlas_billing_credit_expiry_days` checked: a mapping of ledger kinds to whole days
    (at least 1), in the kinds' order; a compile error naming what is wrong otherwise. -#}
{% macro credit_expiry_days_by_kind() -%}
    {%- set kinds = ['purchase', 'bonus', 'referral', 'promotion', 'subscription'] -%}
    {%- set configured = var('atlas_billing_credit_expiry_days') or {} -%}
    {%- if configured is not mapping -%}
        {{ exceptions.raise_compiler_error(
            "var atlas_billing_credit_expiry_days must map credit kinds to days, e.g. "
            ~ "{promotion: 90, subscription: 30}; got " ~ configured
        ) }}
    {%- endif -%}
    {%- set unknown = configured.keys() | reject('in', kinds) | list -%}
    {%- if unknown -%}
        {{ exceptions.raise_compiler_error(
            "var atlas_billing_credit_expiry_days: unknown credit kind(s) " ~ unknown | join(', ')
            ~ "; the kinds are " ~ kinds | join(', ')
        ) }}
    {%- endif -%}
    {%- set by_kind = {} -%}
    {%- for kind in kinds if kind in configured -%}
        {%- do by_kind.update({
            kind: atlas_billing.expiry_days(
                configured[kind], 'atlas_billing_credit_expiry_days.' ~ kind
            )
        }) -%}
    {%- endfor -%}
    {{ return(by_kind) }}
{%- endmacro %}

{#- `days` as a whole number of days, at least 1; a compile error naming `name` otherwise. -#}
{% macro expiry_days(days, name) -%}
    {%- if days is string and days.strip().isdigit() -%}
        {%- set days = days.strip() | int -%}
    {%- endif -%}
    {%- if days is not integer or days < 1 -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " must be a whole number of days, at least 1; got " ~ days
        ) }}
    {%- endif -%}
    {{ return(days) }}
{%- endmacro %}
