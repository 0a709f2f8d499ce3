# Interfaz de Postern: español.
#
# Quien lee puede tener miedo y prisa: palabras sencillas, frases cortas, tono tranquilo.
# Los identificadores deben coincidir con en-US/postern.ftl (lo comprueba una prueba).

## Diseño, en todas las páginas

skip-to-content = Saltar al contenido
nav-language = Idioma
footer-nojs = funciona sin JavaScript
link-start = Volver a la página de inicio
logout-button = Cerrar sesión

## Tamaños

size-mb = { $n } MB
size-gb = { $n } GB

## Fechas en el texto

date =
    { $day } de { $month ->
        [1] enero
        [2] febrero
        [3] marzo
        [4] abril
        [5] mayo
        [6] junio
        [7] julio
        [8] agosto
        [9] septiembre
        [10] octubre
        [11] noviembre
       *[12] diciembre
    } de { $year }

## Página de inicio

landing-title = Enviar documentos de forma segura
landing-heading = Envíe documentos y mensajes de forma segura
landing-intro = Esta es una forma segura de enviar documentos y mensajes a periodistas de { $org }.
landing-anonymous = Este sitio está hecho para que no sepamos quién es usted. Pero ningún sitio web puede prometerlo por sí solo: también depende de cómo envíe. Los consejos de abajo reducen el riesgo.
landing-safety-heading = Cómo protegerse
landing-safety-tor = Use el Navegador Tor (Tor Browser) y ponga su nivel de seguridad en «La más segura» (Safest): pulse el icono del escudo junto a la barra de direcciones, o vaya a Ajustes y luego a Privacidad y seguridad.
landing-safety-safest = «La más segura» desactiva JavaScript, que la mayoría de los ataques contra el Navegador Tor necesitan. Este sitio funciona por completo sin él.
landing-safety-bridges = Si Tor está bloqueado donde usted está, use un puente: en el Navegador Tor abra Ajustes, luego Conexión, luego Puentes.
landing-safety-device = Use un ordenador y una red que no tengan relación con usted. Nunca use un ordenador ni una red del trabajo.
landing-safety-silence = No le cuente a nadie que está enviando algo.
landing-safety-metadata = Los archivos pueden llevar datos ocultos (metadatos), como el nombre del autor, un dispositivo o un lugar, que apuntan a usted. Elimínelos si puede.
landing-safety-logged = El lugar de donde salen los archivos puede registrar quién los abrió, imprimió o copió. Piense en quién más podría haberlos tenido.
landing-start-heading = Empezar
landing-first-visit = ¿Es su primera vez aquí? Recibirá un nombre en clave: siete palabras al azar que le permiten volver más tarde, enviar más y leer respuestas.
landing-get-codename = Obtener un nombre en clave
landing-have-codename = Ya tengo un nombre en clave

## Página del nombre en clave, se muestra una sola vez

codename-title = Su nombre en clave
codename-intro = Este es su nombre en clave. Solo se muestra esta vez.
codename-advice-heading = Guárdelo bien
codename-write = Escríbalo en papel o apréndalo de memoria.
codename-secret = Manténgalo en secreto. No se lo enseñe a nadie.
codename-device = Nunca lo guarde en un teléfono, un ordenador o una cuenta relacionados con usted.
codename-replies = Es la única forma de volver a entrar y leer las respuestas de los periodistas.
codename-lost = No guardamos ninguna copia, así que si lo pierde no se puede recuperar.
codename-latin = Son palabras en inglés. Escríbalas con letras latinas (de la a a la z), con el teclado en una distribución latina.
codename-continue-hint = Antes de seguir, asegúrese de haberlo anotado.
codename-continue = Seguir para enviar

## La página del nombre en clave se recargó

codename-expired-title = Página caducada
codename-expired-heading = Esta página ha caducado
codename-expired-text = El nombre en clave solo se muestra una vez, así que recargar la página no puede mostrarlo de nuevo.
codename-expired-next = Si lo anotó, entre con él. Si no, obtenga un nombre en clave nuevo.
codename-expired-link = Obtener un nombre en clave nuevo

## Entrar

login-title = Entrar
login-intro = Escriba el nombre en clave que recibió en su primera visita.
login-codename-label = Nombre en clave
login-codename-hint = Siete palabras separadas por espacios. Lo que escribe queda oculto, para que nadie pueda leerlo por encima de su hombro.
login-submit = Entrar
login-no-codename = ¿Aún no tiene nombre en clave? Obtenga uno en la página de inicio.
login-error-empty = Escriba su nombre en clave, por favor.
login-error-too-long = Es demasiado largo para ser un nombre en clave. Revíselo y vuelva a intentarlo.
login-error-word-count = Un nombre en clave tiene exactamente siete palabras. Revíselo y vuelva a intentarlo.
login-error-keyboard = Su nombre en clave se escribió con letras no latinas. Cambie el teclado a la distribución latina y escríbalo otra vez.
login-error-unknown-word = Una de las palabras no es de la lista de nombres en clave. Revise cómo está escrita y vuelva a intentarlo.

## Página principal, tras entrar

home-title = Enviar y leer respuestas
home-heading = Enviar documentos o un mensaje
home-welcome = Bienvenido. Su nombre en clave está listo. Todavía no ha enviado nada: puede hacerlo aquí, ahora.
home-unknown = Todavía no se ha enviado nada con este nombre en clave. Si ya envió algo antes, revise si su nombre en clave tiene alguna errata y vuelva a entrar.
home-encrypted = Todo lo que envía se cifra para los periodistas en cuanto llega.
home-message-label = Mensaje
home-files-label = Archivos
home-files-hint = Puede elegir varios archivos a la vez.
home-limits =
    Cada archivo puede ocupar hasta { $file }, y todo lo enviado de una vez hasta { $request }. Un mensaje puede tener hasta { $chars } { $chars_n ->
        [one] carácter
       *[other] caracteres
    }.
home-split = Un archivo comprimido más grande se puede dividir en partes (por ejemplo, volúmenes de 7-Zip) y enviar cada parte por separado.
home-large = Para un archivo comprimido muy grande (muchos gigabytes), use en su lugar la herramienta de línea de órdenes postern-send: envía por Tor en trozos, cada uno por un circuito nuevo, y si la conexión se corta continúa donde se quedó, incluso tras reiniciar. Le pedirá su nombre en clave y la dirección .onion de este sitio; la guía de la redacción explica cómo conseguirla. Con el Navegador Tor en «La más segura», divida el archivo en partes de como mucho el tamaño indicado arriba (por ejemplo: 7z a -v1g parts.7z CARPETA) y envíe aquí las partes una a una.
home-wait = Enviar por Tor puede tardar mucho. Mantenga esta página abierta hasta que vea la confirmación.
home-submit = Cifrar y enviar
notice-nothing-sent = No se envió nada: escriba un mensaje o elija al menos un archivo.
home-replies-heading = Respuestas
home-replies-none = Todavía no hay respuestas.
home-reply-day = Respuesta del { $day }
home-replies-locked = Tiene respuestas, pero esta sesión lleva demasiado tiempo inactiva para abrirlas. Cierre la sesión y vuelva a entrar con su nombre en clave para leerlas.
home-replies-deletion = Borrar una respuesta la elimina de este servidor. Los periodistas guardan su propia copia en su ordenador sin conexión.
home-reply-delete = Borrar esta respuesta
home-replies-delete-all = Borrar todas las respuestas
notice-reply-deleted = La respuesta se borró.
notice-replies-deleted = Se borraron todas las respuestas.
notice-reply-gone = Esa respuesta ya estaba borrada.
home-logout-hint = Cuando termine, cierre la sesión.

## Después de un envío

submitted-title = Gracias
submitted-heading = Gracias
submitted-files-and-message =
    Su mensaje y { $files } { $files ->
        [one] archivo
       *[other] archivos
    } se cifraron y guardaron.
submitted-files =
    { $files ->
        [one] { $files } archivo se cifró y guardó.
       *[other] { $files } archivos se cifraron y guardaron.
    }
submitted-message = Su mensaje se cifró y guardó.
submitted-nothing = No se envió nada: el formulario estaba vacío.
submitted-next-heading = Qué pasa ahora
submitted-next-check = Los periodistas revisan los envíos nuevos con regularidad. Una respuesta puede tardar unos días.
submitted-next-return = Vuelva más tarde y entre con su nombre en clave para leer las respuestas.
submitted-back = Enviar más o leer respuestas

## Sesión cerrada

logged-out-title = Sesión cerrada
logged-out-heading = Ha cerrado la sesión
logged-out-new-identity = Ahora borre esta sesión del navegador con «Nueva identidad» del Navegador Tor: abra el menú ☰ y elija «Nueva identidad», o pulse Ctrl+Shift+U.

## Sesión terminada

expired-title = Sesión terminada
expired-heading = Su sesión ha terminado
expired-text = Por su seguridad, la sesión terminó tras un tiempo sin actividad.
expired-kept = No se guardó nada que no hubiera enviado.
expired-login = Volver a entrar con su nombre en clave

## Errores ($status es el código de estado HTTP)

error-title = Error { $status }
error-not-found = Esta página no existe.
error-bad-request = No se pudo entender la petición. Vuelva atrás e inténtelo de nuevo.
error-csrf = Este formulario ha caducado, o viene de otro sitio. Vuelva atrás, recargue la página e inténtelo de nuevo.
error-too-large = Lo enviado supera el límite, así que no se guardó nada. Divídalo en partes más pequeñas y envíelas una a una.
error-message-kept = Su mensaje se conservó: está en el cuadro de abajo.
error-message-too-long = El mensaje supera el límite. Acórtelo, o guárdelo en un archivo y envíe ese archivo.
error-server = Algo falló por nuestra parte. No se guardó nada de lo enviado. Inténtelo de nuevo más tarde.
error-disk-full = El servidor no puede aceptar archivos ahora. Inténtelo de nuevo más tarde.
error-method = Esta página no se puede usar así. Vuelva a la página de inicio.

## Ocupado

busy-title = Ocupado
busy-heading = Espere un momento, por favor
busy-text = Mucha gente está entrando ahora mismo. Espere un minuto e inténtelo de nuevo.
