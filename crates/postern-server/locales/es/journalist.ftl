# Postern, interfaz de periodistas: español.
# Escrito y revisado por un modelo de lenguaje (LLM); véase docs/translations.md.

## Diseño, en cada página

j-interface = Interfaz de periodistas
j-skip = Saltar al contenido
j-org-suffix = interfaz de periodistas
j-nav-language = Idioma
j-logout = Cerrar la sesión de { $user }
j-footer = todo aquí está cifrado con las claves de la redacción: léalo en el ordenador aislado de la red.

## Inicio de sesión

j-login-title = Iniciar sesión
j-login-username = Nombre de usuario
j-login-passphrase = Frase de contraseña
j-login-code = Código de verificación en dos pasos
j-login-button = Iniciar sesión
j-login-failed = No se pudo iniciar sesión. Compruebe su nombre de usuario, su frase de contraseña y el código, y vuelva a intentarlo. Tras varios fallos, el inicio de sesión en una cuenta se pausa durante un rato.
j-login-again = Volver a iniciar sesión
j-logged-out-title = Sesión cerrada
j-logged-out-text = Ha cerrado la sesión.
j-session-ended-title = La sesión terminó
j-session-ended-text = Su sesión terminó (tras un rato sin actividad o porque su cuenta cambió). Vuelva a iniciar sesión.

## Lista de fuentes

j-sources-title = Fuentes
j-sources-summary =
    { $sources ->
        [one] 1 fuente
       *[other] { $sources } fuentes
    }, { $new ->
        [one] 1 elemento nuevo
       *[other] { $new } elementos nuevos
    } para usted.
j-bundle-new = Descargar un paquete con todo lo nuevo
j-sources-none = Todavía no hay fuentes.
j-sources-caption = Fuentes, la actividad más reciente primero
j-col-source = Fuente
j-col-new = Nuevos
j-col-items = Elementos
j-col-last = Última actividad
j-col-star = Estrella
j-replies-title = Respuestas
j-replies-label = Un paquete de respuestas creado con { $command }
j-replies-button = Subir respuestas

## Una fuente

j-source-summary =
    Vista por primera vez el { $day }; { $items ->
        [one] 1 elemento
       *[other] { $items } elementos
    }, { $new } nuevos para usted.
j-all-sources = Todas las fuentes
j-star = Marcar con estrella
j-unstar = Quitar la estrella
j-mark-seen = Marcar todo como visto
j-bundle-source = Descargar un paquete con los elementos de esta fuente
j-items-caption = Elementos de esta fuente
j-col-item = Elemento
j-col-kind = Tipo
j-col-size = Tamaño en bytes (con relleno)
j-col-day = Día
j-col-delete = Borrar
j-item-new = (nuevo)
j-item-delete-label = Borrar { $item }
j-delete = Borrar
j-kind-message = Mensaje
j-kind-file = Archivo
j-kind-reply = Respuesta
j-kind-segment = Parte de un envío
j-kind-manifest = Fin de un envío
j-delete-source-title = Borrar esta fuente
j-delete-source-text = Esto borra del servidor todos los elementos de esta fuente. No se puede deshacer.
j-delete-source-confirm = Para confirmar, escriba la designación { $designation }
j-delete-source-button = Borrar la fuente y todos sus elementos
j-notice-item-deleted = El elemento se borró.
j-notice-not-confirmed = No se borró nada: escriba la designación exacta para confirmar.
j-notice-source-deleted = La fuente y todos sus elementos se borraron.

## Paquetes de respuestas

j-replies-too-large = El paquete supera { $size }.
j-replies-cut-off = La subida se cortó; no se importó nada.
j-replies-none-chosen = No se eligió ningún paquete.
j-replies-failed = La importación falló; no se importó nada.
j-replies-imported-title = Respuestas importadas
j-replies-imported-text = Respuestas nuevas importadas: { $new }, para { $sources } fuente(s); ya entregadas antes: { $already }. Las fuentes las verán cuando inicien sesión.
j-replies-refused-title = Respuestas rechazadas
j-replies-refused-text = El paquete de respuestas se rechazó y no se importó nada. { $reason }

## Why a reply bundle was refused

j-refusal-no-key = Este servidor no tiene fijada la clave de respuestas de la redacción, así que no se puede confiar en ninguna respuesta. La persona que administra el servidor la fija con postern trust-newsroom.
j-refusal-not-bundle = Este archivo no es un paquete de respuestas. Suba el archivo que escribió postern-review export-replies.
j-refusal-unreadable = Este archivo no se puede leer como un paquete de respuestas: está cortado, o es otro tipo de archivo. Copie de nuevo el archivo que escribió postern-review export-replies y súbalo.
j-refusal-version = El paquete es de una versión que este servidor no sabe leer. Actualice el servidor o postern-review para que coincidan.
j-refusal-cut-short = El paquete está incompleto: termina antes de tiempo o no se puede leer. Cópielo de nuevo y suba la copia nueva.
j-refusal-not-signed = El paquete no está firmado con la clave de la redacción fijada en este servidor. Fue alterado, o se hizo con otra clave.
j-refusal-altered = Una respuesta del paquete no coincide con su registro firmado: el paquete se dañó o se alteró por el camino. Expórtelo de nuevo.
j-refusal-malformed = El paquete está dañado o no tiene la forma que escribe postern-review. Expórtelo de nuevo.
j-refusal-unknown-source = Una respuesta va dirigida a una fuente que este servidor no conoce. Puede que el paquete sea para otro servidor.
j-refusal-source-record = El registro de la fuente de una respuesta no se verifica en este servidor. Avise a quien administra el servidor.
j-refusal-wrong-key = Una respuesta no está cifrada con la clave de respuestas de su fuente, así que la fuente no podría leerla. Escríbala de nuevo con postern-review reply.
j-refusal-too-large = El paquete tiene demasiadas respuestas para una sola importación. Exporte menos respuestas cada vez.
j-refusal-conflict = Una respuesta del paquete tiene el identificador de otra respuesta que ya está en este servidor.
j-refusal-write-failed = La escritura de las respuestas falló a medias. Suba el mismo paquete otra vez: la importación se completa y nada se añade dos veces.

## Errores

j-forbidden-title = Prohibido
j-forbidden-text = El formulario estaba caducado o no lo envió este sitio. Vuelva atrás, recargue la página e inténtelo de nuevo.
j-forbidden-other-site = Esta solicitud vino de otro sitio y se rechazó.
j-back = Volver
j-back-sources = Volver a las fuentes
j-error-title = Error
j-error-text = Algo falló en el servidor. Inténtelo de nuevo; si sigue ocurriendo, avise al operador.
j-not-found-title = No encontrado
j-not-found-item = No existe esa fuente o ese elemento (quizá se borró).
j-not-found-page = No existe esa página.

## One upload, one entry; deletions asked first

j-items-caption-entries = Elementos de esta fuente, los más recientes primero (una subida es un solo elemento, aunque llegara en muchas partes)
j-col-size-padded = Tamaño (con relleno)
j-col-state = Estado
j-kind-upload = Subida
j-state-complete = completa
j-state-in-progress = en curso: { $have } de { $total } ({ $percent } %)
j-state-expired = caducada en { $have } de { $total } ({ $percent } %): se eliminará en el próximo mantenimiento
j-state-parts-missing = incompleta: se borraron partes de ella
j-state-unindexed = partes de subidas que el servidor no puede agrupar
j-upload-name = subida { $id }
j-upload-parts = partes de subidas
j-delete-entry = Borrar { $kind } { $name }…
j-confirm-title = Confirmar el borrado
j-confirm-heading = ¿Borrar de { $designation }?
j-confirm-text = Esto borra { $what } del servidor, con todas sus partes. No se puede deshacer.
j-confirm-yes = Sí, borrarlo
j-confirm-no = No, conservarlo
j-notice-upload-deleted = La subida y todas sus partes se borraron.

## Bundle selections and their parts

j-dates-from = O todos los elementos desde
j-dates-to = hasta
j-dates-choose = Elegir estos días
j-date-bad-title = No es una fecha
j-date-bad = Escriba las fechas como AAAA-MM-DD.
j-bundle-none-title = Nada que descargar
j-bundle-none = Esta selección no contiene ningún elemento.
j-selection-title = Descargar una selección
j-selection-summary = Elementos: { $items }. Tamaño total: { $total }. Partes: { $parts }, cada una de unos { $size } como mucho (un elemento más grande es una parte por sí solo).
j-selection-import = Cada parte es un paquete firmado por sí mismo: importe las partes con { $command } en cualquier orden, y le dirá qué partes de esta selección le faltan todavía. Una descarga cortada continúa donde se detuvo.
j-selection-caption = Partes de la selección { $id }
j-col-part = Parte
j-col-part-size = Tamaño
j-part-link = Parte { $part } de { $parts }
j-selection-expired-title = La selección caducó
j-selection-expired = Esta selección ya no se conserva (el servidor se reinició, o se hicieron muchas desde entonces). Vuelva a elegirla en la página de fuentes: los mismos elementos dan las mismas partes.
j-selection-changed-title = La selección cambió
j-selection-changed = Un elemento de esta selección se borró o cambió desde que se hizo. Vuelva a elegirla en la página de fuentes.
