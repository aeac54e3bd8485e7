from django import forms


class HoldForm(forms.Form):
    reference = forms.CharField(
        label="Référence du dossier", max_length=20, help_text="La référence affichée sur le dossier du ménage."
    )
    reason = forms.CharField(
        label="Motif du gel juridique",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="Procédure en cours, demande d'une autorité… Sans donnée nominative ni jugement sur la personne.",
    )


class LiftForm(forms.Form):
    lift_reason = forms.CharField(label="Motif de la levée", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
