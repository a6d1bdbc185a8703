"""The programme files the importer accepts: their columns, types and aliases (docs/formats/)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Colonne:
    nom: str  # normalised header (see lecture.normaliser_entete)
    type: str  # texte, identifiant, entier, decimal, montant, date, booleen, code, liste, annee
    obligatoire: bool = False
    domaine: str | None = None  # nomenclature domain for code/liste
    alias: tuple[str, ...] = ()
    description: str = ""
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Format:
    code: str
    libelle: str
    description: str
    colonnes: tuple[Colonne, ...]
    cle: tuple[str, ...]  # columns whose values must be unique in the file
    annee_par: str = field(default="")  # how a row belongs to the import year (for the docs)


# Header names that reveal a direct identifier: the column is dropped (or the file refused).
COLONNES_IDENTIFIANTES = {
    "nom": "nom",
    "nom_de_famille": "nom",
    "nom_enfant": "nom",
    "nom_naissance": "nom",
    "prenom": "prénom",
    "prenoms": "prénom",
    "prenom_enfant": "prénom",
    "adresse": "adresse",
    "adresse_postale": "adresse",
    "rue": "adresse",
    "voie": "adresse",
    "telephone": "téléphone",
    "tel": "téléphone",
    "portable": "téléphone",
    "mobile": "téléphone",
    "mail": "courriel",
    "email": "courriel",
    "e_mail": "courriel",
    "courriel": "courriel",
    "nir": "numéro de sécurité sociale",
    "numero_securite_sociale": "numéro de sécurité sociale",
    "n_securite_sociale": "numéro de sécurité sociale",
    "secu": "numéro de sécurité sociale",
    "ine": "identifiant national élève",
    "nom_parent": "nom",
    "nom_responsable": "nom",
}
# Exact birth dates are turned into a birth year, then dropped.
COLONNES_DATE_NAISSANCE = ("date_naissance", "date_de_naissance", "ne_le", "nee_le", "naissance")

PROGRAMME = Colonne(
    "programme",
    "texte",
    alias=("pre", "identifiant_programme"),
    description="identifiant du programme (facultatif ; contrôle d'appartenance)",
)

FORMATS = {
    f.code: f
    for f in (
        Format(
            "beneficiaires",
            "Enfants et parcours",
            "Une ligne par parcours actif dans l'année importée.",
            (
                PROGRAMME,
                Colonne(
                    "identifiant_enfant",
                    "identifiant",
                    True,
                    alias=("identifiant", "id_enfant", "identifiant_beneficiaire"),
                    description="identifiant de l'enfant dans votre outil (pseudonymisé à l'import)",
                ),
                Colonne(
                    "identifiant_parcours",
                    "identifiant",
                    True,
                    alias=("id_parcours", "numero_dossier", "numero_de_dossier"),
                    description="identifiant du parcours (pseudonymisé à l'import)",
                ),
                Colonne("sexe", "code", True, "sexe", description="F ou M (Fille, Garçon)"),
                Colonne(
                    "annee_naissance",
                    "annee",
                    True,
                    alias=("annee_de_naissance",),
                    minimum=1990,
                    maximum=2100,
                    description="année de naissance (AAAA)",
                ),
                Colonne(
                    "niveau_scolaire",
                    "code",
                    False,
                    "niveau_scolaire",
                    description="maternelle, CP… 3e, lycée, non scolarisé",
                ),
                Colonne(
                    "uai",
                    "texte",
                    alias=("etablissement", "uai_etablissement", "ecole", "code_uai"),
                    description="UAI de l'école ou du collège fréquenté",
                ),
                Colonne(
                    "commune_residence",
                    "texte",
                    True,
                    alias=("code_commune", "commune", "code_insee"),
                    description="code INSEE de la commune de résidence",
                ),
                Colonne(
                    "code_qpv",
                    "texte",
                    alias=("qpv", "code_qp", "quartier"),
                    description="code du QPV de résidence (vide si hors QPV)",
                ),
                Colonne(
                    "quartier_veille_active",
                    "booleen",
                    alias=("qva",),
                    description="oui si l'enfant réside dans un quartier de veille active",
                ),
                Colonne(
                    "date_orientation", "date", description="date de l'orientation vers le PRE"
                ),
                Colonne(
                    "date_premiere_eps",
                    "date",
                    alias=("date_eps",),
                    description="date du premier examen en EPS",
                ),
                Colonne(
                    "date_entree",
                    "date",
                    True,
                    alias=("date_d_entree", "entree"),
                    description="date d'entrée dans le parcours",
                ),
                Colonne(
                    "date_sortie",
                    "date",
                    alias=("date_de_sortie", "sortie"),
                    description="date de sortie (vide si le parcours continue)",
                ),
                Colonne(
                    "motif_sortie",
                    "code",
                    False,
                    "motif_sortie",
                    alias=("motif_de_sortie",),
                    description="obligatoire quand la date de sortie est renseignée",
                ),
                Colonne("profil", "code", True, "profil", description="1, 2 ou 3"),
                Colonne(
                    "referent",
                    "identifiant",
                    alias=("referent_parcours", "referent_e"),
                    description="référent·e de parcours (pseudonymisé à l'import)",
                ),
                Colonne(
                    "orienteur",
                    "code",
                    True,
                    "orienteur",
                    alias=("oriente_par", "orientation"),
                    description="école, service social départemental, CCAS, PMI, santé, "
                    "famille, association, autre",
                ),
                Colonne(
                    "oriente_par_cite_educative",
                    "booleen",
                    alias=("orientation_cite_educative",),
                    description="oui si l'orientation vient d'un acteur de la Cité éducative",
                ),
                Colonne(
                    "suivi_ase",
                    "booleen",
                    alias=("aide_sociale_a_l_enfance", "ase"),
                    description="oui si la situation est aussi suivie par l'ASE",
                ),
                Colonne(
                    "motifs",
                    "liste",
                    True,
                    "motif",
                    alias=("motifs_orientation", "motif_orientation"),
                    description="motifs d'orientation séparés par « | »",
                ),
            ),
            cle=("identifiant_parcours",),
            annee_par="parcours actif au moins un jour dans l'année",
        ),
        Format(
            "actions",
            "Actions des parcours",
            "Une ligne par action suivie par un parcours, commencée dans l'année importée.",
            (
                PROGRAMME,
                Colonne(
                    "identifiant_parcours",
                    "identifiant",
                    True,
                    alias=("id_parcours", "numero_dossier"),
                ),
                Colonne("type_action", "code", True, "type_action", alias=("action",)),
                Colonne("fiche_action", "texte", alias=("identifiant_fiche", "fiche")),
                Colonne("date_debut", "date", True, alias=("date_de_debut", "debut")),
            ),
            cle=("identifiant_parcours", "type_action", "date_debut"),
            annee_par="date de début dans l'année",
        ),
        Format(
            "eps",
            "Réunions des EPS",
            "Une ligne par réunion d'équipe pluridisciplinaire de soutien tenue dans l'année.",
            (
                PROGRAMME,
                Colonne("identifiant_reunion", "texte", True, alias=("reunion", "id_reunion")),
                Colonne("eps", "texte", True, alias=("nom_eps", "equipe")),
                Colonne("commune", "texte", True, alias=("code_commune", "code_insee")),
                Colonne("code_qpv", "texte", alias=("qpv", "code_qp")),
                Colonne("date_reunion", "date", True, alias=("date",)),
                Colonne(
                    "nb_professionnels",
                    "entier",
                    True,
                    alias=("professionnels",),
                    minimum=0,
                    maximum=200,
                ),
                Colonne(
                    "nb_situations", "entier", True, alias=("situations",), minimum=0, maximum=200
                ),
                Colonne(
                    "partenaires", "liste", False, "type_partenaire", alias=("types_partenaires",)
                ),
                Colonne(
                    "etablissements",
                    "texte",
                    alias=("uai_presents", "ecoles_presentes"),
                    description="UAI des établissements représentés, séparés par « | »",
                ),
            ),
            cle=("identifiant_reunion",),
            annee_par="date de réunion dans l'année",
        ),
        Format(
            "fiches_action",
            "Fiches-action",
            "Une ligne par fiche-action de la programmation de l'année.",
            (
                PROGRAMME,
                Colonne(
                    "identifiant_fiche",
                    "texte",
                    True,
                    alias=("fiche", "fiche_action"),
                    description="propre au programme et à l'année : une autre année ou un "
                    "autre PRE de la base peut utiliser le même",
                ),
                Colonne("annee", "annee", True, minimum=2000, maximum=2100),
                Colonne("intitule", "texte", True, alias=("titre", "libelle")),
                Colonne("thematique", "code", True, "thematique", alias=("theme",)),
                Colonne("niveau", "code", True, "niveau", alias=("echelle",)),
                Colonne(
                    "commune",
                    "texte",
                    alias=("code_commune", "code_insee"),
                    description="obligatoire pour une fiche communale",
                ),
                Colonne("porteur", "texte", alias=("structure_porteuse",)),
                Colonne("beneficiaires_prevus", "entier", minimum=0, maximum=100_000),
                Colonne("beneficiaires_realises", "entier", minimum=0, maximum=100_000),
                Colonne("statut", "code", False, "statut"),
            ),
            cle=("identifiant_fiche",),
            annee_par="colonne annee",
        ),
        Format(
            "financements",
            "Financements des fiches-action",
            "Une ligne par financeur d'une fiche-action de l'année.",
            (
                PROGRAMME,
                Colonne("identifiant_fiche", "texte", True, alias=("fiche", "fiche_action")),
                Colonne("financeur", "code", True, "financeur"),
                Colonne("montant_prevu", "montant", True, alias=("prevu", "montant_sollicite")),
                Colonne("montant_accorde", "montant", alias=("accorde", "montant_attribue")),
                Colonne("montant_verse", "montant", alias=("verse", "montant_paye")),
            ),
            cle=("identifiant_fiche", "financeur"),
            annee_par="fiche-action de l'année (fichier des fiches-action ou base)",
        ),
        Format(
            "gouvernance",
            "Réunions de gouvernance",
            "Une ligne par réunion d'instance de pilotage tenue dans l'année.",
            (
                PROGRAMME,
                Colonne("identifiant_reunion", "texte", True, alias=("reunion",)),
                Colonne("date_reunion", "date", True, alias=("date",)),
                Colonne("instance", "code", True, "instance"),
                Colonne("cite_educative", "texte", alias=("identifiant_cite", "cite")),
                Colonne("pre_present", "booleen", True, alias=("presence_pre", "pre_represente")),
            ),
            cle=("identifiant_reunion",),
            annee_par="date de réunion dans l'année",
        ),
        Format(
            "equipe",
            "Équipe du programme",
            "Une ligne par membre de l'équipe pour l'année importée.",
            (
                PROGRAMME,
                Colonne("annee", "annee", True, minimum=2000, maximum=2100),
                Colonne(
                    "identifiant_personne",
                    "identifiant",
                    True,
                    alias=("personne", "identifiant_agent", "agent"),
                ),
                Colonne("fonction", "code", True, "fonction"),
                Colonne(
                    "etp",
                    "decimal",
                    True,
                    alias=("equivalent_temps_plein",),
                    minimum=0.01,
                    maximum=1,
                ),
            ),
            cle=("identifiant_personne",),
            annee_par="colonne annee",
        ),
    )
}
