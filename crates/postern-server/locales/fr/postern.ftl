# Interface de Postern : français.
#
# La personne qui lit peut avoir peur et être pressée : mots simples, phrases courtes, ton calme.
# Les identifiants doivent être ceux de en-US/postern.ftl (un test le vérifie).

## Mise en page, sur chaque page

skip-to-content = Aller au contenu
nav-language = Langue
footer-nojs = fonctionne sans JavaScript
link-start = Revenir à la page d’accueil
logout-button = Se déconnecter

## Tailles

size-mb = { $n } Mo
size-gb = { $n } Go

## Dates dans le texte

date =
    { $day ->
        [1] 1er
       *[other] { $day }
    } { $month ->
        [1] janvier
        [2] février
        [3] mars
        [4] avril
        [5] mai
        [6] juin
        [7] juillet
        [8] août
        [9] septembre
        [10] octobre
        [11] novembre
       *[12] décembre
    } { $year }

## Page d’accueil

landing-title = Envoyer des documents en sécurité
landing-heading = Envoyez des documents et des messages en sécurité
landing-intro = Ce site permet d’envoyer en sécurité des documents et des messages aux journalistes de { $org }.
landing-anonymous = Ce site est conçu pour que nous ne sachions pas qui vous êtes. Mais aucun site ne peut le promettre à lui seul : cela dépend aussi de la façon dont vous envoyez. Les conseils ci-dessous réduisent le risque.
landing-safety-heading = Comment rester en sécurité
landing-safety-tor = Utilisez le Navigateur Tor (Tor Browser) et réglez son niveau de sécurité sur « Le plus sûr » (Safest) : cliquez sur l’icône du bouclier à côté de la barre d’adresse, ou ouvrez Paramètres, puis Vie privée et sécurité.
landing-safety-safest = « Le plus sûr » désactive JavaScript, dont la plupart des attaques contre le Navigateur Tor ont besoin. Ce site fonctionne entièrement sans.
landing-safety-bridges = Si Tor est bloqué là où vous êtes, utilisez un pont : dans le Navigateur Tor, ouvrez Paramètres, puis Connexion, puis Ponts.
landing-safety-device = Utilisez un ordinateur et un réseau qui n’ont aucun lien avec vous. N’utilisez jamais un ordinateur ou un réseau de travail.
landing-safety-silence = Ne dites à personne que vous envoyez quelque chose.
landing-safety-metadata = Les fichiers peuvent contenir des informations cachées (métadonnées), comme le nom d’un auteur, un appareil ou un lieu, qui mènent à vous. Supprimez-les si vous le pouvez.
landing-safety-logged = L’endroit d’où viennent les fichiers peut enregistrer qui les a ouverts, imprimés ou copiés. Pensez à qui d’autre aurait pu les avoir.
landing-start-heading = Commencer
landing-first-visit = C’est votre première visite ? Vous recevrez un nom de code : sept mots au hasard qui vous permettent de revenir plus tard, d’envoyer autre chose et de lire les réponses.
landing-get-codename = Obtenir un nom de code
landing-have-codename = J’ai déjà un nom de code

## Page du nom de code, affichée une seule fois

codename-title = Votre nom de code
codename-intro = Voici votre nom de code. Il n’est affiché qu’une seule fois.
codename-advice-heading = Gardez-le en lieu sûr
codename-write = Notez-le sur papier, ou apprenez-le par cœur.
codename-secret = Gardez-le secret. Ne le montrez à personne.
codename-device = Ne l’enregistrez jamais sur un téléphone, un ordinateur ou un compte lié à vous.
codename-replies = C’est le seul moyen de vous reconnecter et de lire les réponses des journalistes.
codename-lost = Nous n’en gardons aucune copie : si vous le perdez, il ne peut pas être retrouvé.
codename-latin = Ce sont des mots anglais. Tapez-les en lettres latines (de a à z), avec le clavier réglé sur une disposition latine.
codename-continue-hint = Avant de continuer, vérifiez que vous l’avez bien noté.
codename-continue = Continuer vers l’envoi

## La page du nom de code a été rechargée

codename-expired-title = Page expirée
codename-expired-heading = Cette page a expiré
codename-expired-text = Un nom de code n’est affiché qu’une fois : recharger la page ne peut pas le montrer de nouveau.
codename-expired-next = Si vous l’avez noté, connectez-vous avec. Sinon, obtenez un nouveau nom de code.
codename-expired-link = Obtenir un nouveau nom de code

## Connexion

login-title = Se connecter
login-intro = Saisissez le nom de code reçu lors de votre première visite.
login-codename-label = Nom de code
login-codename-hint = Sept mots séparés par des espaces. Ce que vous tapez reste masqué, pour que personne ne puisse le lire par-dessus votre épaule.
login-submit = Se connecter
login-no-codename = Pas encore de nom de code ? Obtenez-en un sur la page d’accueil.
login-error-empty = Veuillez saisir votre nom de code.
login-error-too-long = C’est trop long pour un nom de code. Vérifiez-le et réessayez.
login-error-word-count = Un nom de code compte exactement sept mots. Vérifiez-le et réessayez.
login-error-keyboard = Votre nom de code a été tapé en lettres non latines. Passez le clavier en disposition latine et tapez-le de nouveau.
login-error-unknown-word = L’un des mots n’est pas un mot de nom de code. Vérifiez l’orthographe et réessayez.

## Page principale, une fois connecté

home-title = Envoyer et lire les réponses
home-heading = Envoyer des documents ou un message
home-welcome = Bienvenue. Votre nom de code est prêt. Vous n’avez encore rien envoyé : vous pouvez le faire ici, maintenant.
home-unknown = Rien n’a encore été envoyé avec ce nom de code. Si vous avez déjà envoyé quelque chose, vérifiez qu’il n’y a pas de faute de frappe dans votre nom de code et reconnectez-vous.
home-encrypted = Tout ce que vous envoyez est chiffré pour les journalistes dès son arrivée.
home-message-label = Message
home-files-label = Fichiers
home-files-hint = Vous pouvez choisir plusieurs fichiers à la fois.
home-limits =
    Chaque fichier peut faire jusqu’à { $file }, et l’ensemble d’un envoi jusqu’à { $request }. Un message peut compter jusqu’à { $chars } { $chars_n ->
        [one] caractère
       *[other] caractères
    }.
home-split = Une archive plus grande peut être découpée en parties (par exemple en volumes 7-Zip), chaque partie envoyée séparément.
home-large = Pour une très grande archive (plusieurs gigaoctets), utilisez plutôt l’outil en ligne de commande postern-send : il envoie par Tor morceau par morceau, chacun sur un nouveau circuit, et si la connexion coupe, il reprend là où il s’était arrêté, même après un redémarrage. Il demande votre nom de code et l’adresse .onion de ce site ; le guide de la rédaction explique comment l’obtenir. Avec le Navigateur Tor au niveau « Le plus sûr », découpez l’archive en parties d’au plus la taille indiquée ci-dessus (par exemple : 7z a -v1g parts.7z DOSSIER) et envoyez-les ici une par une.
home-wait = Un envoi par Tor peut prendre longtemps. Gardez cette page ouverte jusqu’à la confirmation.
home-submit = Chiffrer et envoyer
notice-nothing-sent = Rien n’a été envoyé : écrivez un message ou choisissez au moins un fichier.
home-replies-heading = Réponses
home-replies-none = Pas encore de réponse.
home-reply-day = Réponse du { $day }
home-replies-locked = Vous avez des réponses, mais cette session est restée inactive trop longtemps pour les ouvrir. Déconnectez-vous et reconnectez-vous avec votre nom de code pour les lire.
home-replies-deletion = Supprimer une réponse l’efface de ce serveur. Les journalistes gardent leur propre copie sur leur ordinateur hors ligne.
home-reply-delete = Supprimer cette réponse
home-replies-delete-all = Supprimer toutes les réponses
notice-reply-deleted = La réponse a été supprimée.
notice-replies-deleted = Toutes les réponses ont été supprimées.
notice-reply-gone = Cette réponse avait déjà été supprimée.
home-logout-hint = Quand vous avez fini, déconnectez-vous.

## Après un envoi

submitted-title = Merci
submitted-heading = Merci
submitted-files-and-message =
    Votre message et { $files } { $files ->
        [one] fichier ont été chiffrés
       *[other] fichiers ont été chiffrés
    } et enregistrés.
submitted-files =
    { $files ->
        [one] { $files } fichier a été chiffré et enregistré.
       *[other] { $files } fichiers ont été chiffrés et enregistrés.
    }
submitted-message = Votre message a été chiffré et enregistré.
submitted-nothing = Rien n’a été envoyé : le formulaire était vide.
submitted-next-heading = Et ensuite
submitted-next-check = Les journalistes consultent régulièrement les nouveaux envois. Une réponse peut prendre quelques jours.
submitted-next-return = Revenez plus tard et connectez-vous avec votre nom de code pour lire les réponses.
submitted-back = Envoyer autre chose, ou lire les réponses

## Déconnecté

logged-out-title = Déconnecté
logged-out-heading = Vous êtes déconnecté
logged-out-new-identity = Effacez maintenant cette session du navigateur avec « Nouvelle identité » du Navigateur Tor : ouvrez le menu ☰ et choisissez « Nouvelle identité », ou appuyez sur Ctrl+Shift+U.

## Session terminée

expired-title = Session terminée
expired-heading = Votre session est terminée
expired-text = Pour votre sécurité, votre session s’est terminée après un moment d’inactivité.
expired-kept = Rien de ce que vous n’aviez pas envoyé n’a été gardé.
expired-login = Se reconnecter avec votre nom de code

## Erreurs ($status est le code d’état HTTP)

error-title = Erreur { $status }
error-not-found = Cette page n’existe pas.
error-bad-request = La demande n’a pas pu être comprise. Revenez en arrière et réessayez.
error-csrf = Ce formulaire a expiré, ou il vient d’un autre site. Revenez en arrière, rechargez la page et réessayez.
error-too-large = L’envoi dépasse la limite, donc rien n’a été enregistré. Découpez-le en parties plus petites et envoyez-les une par une.
error-message-kept = Votre message a été gardé : il est dans la case ci-dessous.
error-message-too-long = Le message dépasse la limite. Raccourcissez-le, ou enregistrez-le dans un fichier et envoyez ce fichier.
error-server = Un problème est survenu de notre côté. Rien de votre envoi n’a été gardé. Réessayez plus tard.
error-disk-full = Le serveur ne peut pas accepter de fichiers pour le moment. Réessayez plus tard.
error-method = Cette page ne peut pas être utilisée ainsi. Revenez à la page d’accueil.

## Occupé

busy-title = Occupé
busy-heading = Patientez un instant
busy-text = Beaucoup de personnes se connectent en ce moment. Attendez une minute et réessayez.
